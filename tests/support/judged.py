"""A real opinion-network session scored by a judge: the stub OpenAI server, rating each answer."""

from __future__ import annotations

import io
from pathlib import Path

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.headless.runner import run_headless
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.support.openai_sse_server import OpenAIStub, Reply

RATINGS = ["3", "-3", "1", "0", "-2", "2"]  # one per answer: 3 agents, 2 rounds


def judged_network(judge: str) -> SessionConfig:
    agents = tuple(AgentSpec(id=f"n{i}", nickname=f"N{i}", provider="degroot:4") for i in range(3))
    options = {"graph": "complete", "topic": "Tea", "scorer": "judge", "judge": judge}
    return SessionConfig(protocol="network", rounds=2, seed=1, agents=agents, options=options)


async def record_judged_session(tmp_path: Path, stub: OpenAIStub) -> SessionDocument:
    """A real headless session whose judge is the stub, rating the answers ``RATINGS``."""
    stub.script(*(Reply(rating) for rating in RATINGS))
    store = SessionStore(tmp_path / "sessions")
    writer = await run_headless(
        judged_network(f"openai-compatible:{stub.base_url}#judge"), store=store, file=io.StringIO()
    )
    return store.load(writer.session_id)
