"""The engine's own overhead per turn, with zero-latency scripted agents.

Baseline, measured in the same run: streaming the same replies straight from the same
providers with no engine around them. Overhead = (engine time - baseline time) / turns.
Prints a table, then one JSON line per figure.
"""

from __future__ import annotations

import asyncio
import json
import time

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.providers.base import ChatMessage, ChatRequest
from convscope.core.providers.factory import build_provider

REPLY = "We should split the budget between the backend and the mobile app, then test early. " * 3
ROUNDS = 50


def config_for(n_agents: int) -> SessionConfig:
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{i}", provider=f"scripted:text:{REPLY}")
        for i in range(n_agents)
    )
    return SessionConfig(brief="Plan the app.", rounds=ROUNDS, agents=agents)


async def baseline_seconds(config: SessionConfig) -> float:
    """The same number of provider streams, consumed directly."""
    providers = [build_provider(agent, None, 0) for agent in config.agents]
    request = ChatRequest((ChatMessage("user", "Plan the app."),))
    start = time.perf_counter()
    for _ in range(config.rounds):
        for provider in providers:
            async for _item in provider.stream(request):
                pass
    return time.perf_counter() - start


async def engine_seconds(config: SessionConfig) -> float:
    engine = Engine(config, observers=[lambda event: None])
    start = time.perf_counter()
    await engine.run()
    return time.perf_counter() - start


def main() -> None:
    figures = []
    print(f"{'agents':>6} {'turns':>6} {'turns/s':>9} {'overhead µs/turn':>17} {'engine/baseline':>16}")
    for n_agents in (3, 20):
        config = config_for(n_agents)
        turns = n_agents * ROUNDS
        base = min(asyncio.run(baseline_seconds(config)) for _ in range(3))
        run = min(asyncio.run(engine_seconds(config)) for _ in range(3))
        overhead_us = (run - base) / turns * 1e6
        print(f"{n_agents:>6} {turns:>6} {turns / run:>9.0f} {overhead_us:>17.0f} {run / base:>16.2f}")
        figures += [
            {"bench": "engine", "agents": n_agents, "figure": "turns_per_s", "value": round(turns / run, 1)},
            {
                "bench": "engine",
                "agents": n_agents,
                "figure": "overhead_us_per_turn",
                "value": round(overhead_us, 1),
            },
            {
                "bench": "engine",
                "agents": n_agents,
                "figure": "engine_over_baseline",
                "value": round(run / base, 3),
            },
        ]
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
