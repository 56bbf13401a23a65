"""A real 3-agent, 2-round session for the trace tests: the engine and its tracker, agents
on the OpenAI-compatible stub server (so turns carry token usage), and four interventions."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine, Observer
from convscope.core.events import Event, TurnCompleted
from convscope.runtime.session import SessionRuntime
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.support.openai_sse_server import OpenAIStub

INTERVENTIONS = ("renamed", "thresholds_changed", "paused", "resumed")


def three_agents(stub: OpenAIStub) -> SessionConfig:
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=name, provider=f"openai-compatible:{stub.base_url}#stub-{i}")
        for i, name in enumerate(("Ada", "Bo", "Cy"))
    )
    return SessionConfig(title="traced", brief="Name the project.", rounds=2, agents=agents)


class _Interventions:
    """A person at the controls: a rename after turn 0, new thresholds after turn 2, and a
    pause that is lifted at once after turn 3."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def __call__(self, event: Event) -> None:
        if not isinstance(event, TurnCompleted):
            return
        match event.turn.index:
            case 0:
                self._engine.rename("a1", "Bo Prime")
            case 2:
                self._engine.set_thresholds({"bleu": 0.3})
            case 3:
                self._engine.pause()
                self._engine.resume()


async def record_session(
    stub: OpenAIStub, store: SessionStore, observers: Iterable[Callable[[str], Observer]] = ()
) -> SessionDocument:
    """The session, saved; ``observers`` are built with its id and see every event."""
    runtime = SessionRuntime.start(three_agents(stub), store=store)
    runtime.subscribe(_Interventions(runtime.engine))
    for factory in observers:
        runtime.subscribe(factory(runtime.session_id))
    await runtime.run()
    return store.load(runtime.session_id)
