"""The engine's own overhead per turn, and what live metrics cost a session's wall time.

Overhead: zero-latency scripted agents. Baseline, measured in the same run: streaming the
same replies straight from the same providers with no engine around them. Overhead =
(engine time - baseline time) / turns.

Metrics: a group chat of agents that wait 200 ms before they stream each reply (a remote
model's latency, with no network), every reply a different text. ``metrics_wall_ratio`` is the
session's wall time with live metrics, embeddings on, over the same session without
metrics (the metrics worker measures a turn while the next one streams, so the target is
<= 1.05). ``metrics_latency_ms``: from a turn's end to its metrics event, without and
with embeddings (target <= 100 ms without). Embeddings are kept out of the user's cache.
Prints a table, then one JSON line per figure.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import statistics
import time
import uuid
from collections.abc import AsyncIterator, Callable

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event, MetricsUpdated, TurnCompleted
from convscope.core.metrics.embeddings import default_embedder
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.providers.base import ChatMessage, ChatRequest, Provider, StreamItem
from convscope.core.providers.factory import build_provider
from convscope.core.providers.scripted import split_chunks

REPLY = "We should split the budget between the backend and the mobile app, then test early. " * 3
ROUNDS = 50

LATENCY_S = 0.2  # per turn, before the first word
SLOW_AGENTS = 4
SLOW_ROUNDS = 6
WORDS = 40
VOCABULARY = (
    "budget backend design mobile testing release users payments courier menu order kitchen latency",
    "cache offline search rating refund map route driver restaurant onboarding login privacy",
    "analytics roadmap sprint prototype feedback pricing discount partner support",
)
WORD_LIST = " ".join(VOCABULARY).split()


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


class SlowAgent:
    """Answers each turn with a new text (none is found in an embedding cache) after
    ``LATENCY_S``, as a remote model's first token would come, then streams it word by word."""

    def __init__(self, name: str, replies: list[str]) -> None:
        self.name = name
        self._replies = iter(replies)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        await asyncio.sleep(LATENCY_S)
        for word in split_chunks(next(self._replies)):
            yield word


def slow_agents(nonce: str) -> Callable[[AgentSpec, str | None, int], Provider]:
    def build(agent: AgentSpec, mode: str | None, seed: int) -> Provider:
        rng = random.Random(f"{nonce}:{agent.id}")
        replies = [
            f"{nonce} {agent.id} round {r}: " + " ".join(rng.choices(WORD_LIST, k=WORDS))
            for r in range(SLOW_ROUNDS)
        ]
        return SlowAgent(agent.provider, replies)

    return build


class MetricsLatency:
    """Seconds from each turn's end to its metrics event."""

    def __init__(self) -> None:
        self.ended: dict[int, float] = {}
        self.latencies: list[float] = []

    def __call__(self, event: Event) -> None:
        if isinstance(event, TurnCompleted):
            self.ended[event.turn.index] = time.perf_counter()
        elif isinstance(event, MetricsUpdated) and "turn.index" in event.values:
            self.latencies.append(time.perf_counter() - self.ended[event.turn_index])


async def slow_session_seconds(*, metrics: bool, semantic: bool = False) -> tuple[float, list[float]]:
    """Wall time of the slow group chat (without metrics, or with them live), and the latencies."""
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{i}", provider="scripted:echo") for i in range(SLOW_AGENTS)
    )
    config = SessionConfig(brief="Plan the app.", rounds=SLOW_ROUNDS, agents=agents)
    latency = MetricsLatency()
    engine = Engine(
        config,
        observers=[latency],
        provider_factory=slow_agents(uuid.uuid4().hex[:8]),
        metrics=MetricsTracker(agents=agents, semantic=semantic) if metrics else None,
    )
    start = time.perf_counter()
    await engine.run()
    return time.perf_counter() - start, latency.latencies


def metrics_figures() -> list[dict[str, object]]:
    default_embedder().encode(["a warm model"])  # loaded before any session is timed
    bare = min(asyncio.run(slow_session_seconds(metrics=False))[0] for _ in range(2))
    lexical = [asyncio.run(slow_session_seconds(metrics=True)) for _ in range(2)]
    semantic = [asyncio.run(slow_session_seconds(metrics=True, semantic=True)) for _ in range(2)]
    measured = min(seconds for seconds, _ in semantic)
    turns = SLOW_AGENTS * SLOW_ROUNDS
    print(
        f"\n{turns} turns of {LATENCY_S * 1000:.0f} ms: "
        f"{bare:.2f} s without metrics, {measured:.2f} s with them (embeddings on)"
    )
    figures: list[dict[str, object]] = [
        {
            "bench": "engine",
            "figure": "metrics_wall_ratio",
            "value": round(measured / bare, 3),
            "target": 1.05,
        }
    ]
    for name, runs in (("lexical", lexical), ("embeddings", semantic)):
        latencies = sorted(latency * 1000 for _, run in runs for latency in run)
        p95 = latencies[int(0.95 * (len(latencies) - 1))]
        print(
            f"turn end -> metrics event, {name}: "
            f"median {statistics.median(latencies):.1f} ms, p95 {p95:.1f} ms"
        )
        figures.append(
            {
                "bench": "engine",
                "figure": "metrics_latency_ms",
                "metrics": name,
                "median": round(statistics.median(latencies), 1),
                "p95": round(p95, 1),
                "max": round(latencies[-1], 1),
                **({"target": 100} if name == "lexical" else {}),
            }
        )
    return figures


def main() -> None:
    os.environ.setdefault("CONVSCOPE_EMBEDDING_CACHE", "off")
    figures: list[dict[str, object]] = []
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
    figures += metrics_figures()
    for figure in figures:
        print(json.dumps(figure))


if __name__ == "__main__":
    main()
