"""Builders for the TUI tests: scripted sessions, a deterministic clock, waiting on the app."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

from textual.pilot import Pilot

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine, ProviderFactory
from convscope.core.events import Event, TurnCompleted, TurnFailed, TurnStarted
from convscope.core.providers.base import ChatMessage, ChatRequest, Provider, StreamItem
from convscope.core.providers.factory import build_provider
from convscope.runtime.session import SessionRuntime
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.live import LiveScreen

SIZE = (160, 48)

REPLIES = (
    "We should start with a clear plan for the app and a budget split.",
    "I agree, a clear plan first, then the budget split across design and backend.",
    "Plan first. Budget: design 30%, backend 50%, testing 20%.",
)


class TickClock:
    """Each call is one second after the previous one: turn timings (and tok/s) are fixed."""

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        self.now = start

    def __call__(self) -> float:
        self.now += 1.0
        return self.now


class TurnGate:
    """Holds every turn at its start until the test lets it through: which turns run before a
    key lands is then the test's decision, not the scheduler's.

    The engine runs on its own thread and loop, so the permits are a counter under a lock
    that a held turn polls; cancelling the turn ends its wait at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._permits = 0
        self._open = False

    def let_through(self, turns: int = 1) -> None:
        with self._lock:
            self._permits += turns

    def open(self) -> None:
        """Let every turn from now on through."""
        with self._lock:
            self._open = True

    def _take(self) -> bool:
        with self._lock:
            if self._open:
                return True
            if self._permits:
                self._permits -= 1
                return True
            return False

    async def wait(self) -> None:
        while not self._take():
            await asyncio.sleep(0.005)

    def factory(self, inner: ProviderFactory = build_provider) -> ProviderFactory:
        def build(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
            return _GatedProvider(inner(agent, failure, seed), self)

        return build


class _GatedProvider:
    def __init__(self, inner: Provider, gate: TurnGate) -> None:
        self.name = inner.name
        self._inner = inner
        self._gate = gate

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        await self._gate.wait()
        async for item in self._inner.stream(request):
            yield item


def scripted_config(
    replies: Sequence[str] = REPLIES, *, rounds: int = 3, delay: float = 0.0, title: str = "scripted trio"
) -> SessionConfig:
    suffix = f"?delay={delay:g}" if delay else ""
    agents = tuple(
        AgentSpec(id=f"a{i}", nickname=f"Agent-{chr(65 + i)}", provider=f"scripted:text:{reply}{suffix}")
        for i, reply in enumerate(replies)
    )
    return SessionConfig(title=title, brief="Plan a food delivery app.", rounds=rounds, agents=agents)


def live_app(
    config: SessionConfig,
    *,
    start_paused: bool = False,
    clock: Callable[[], float] | None = None,
    gate: TurnGate | None = None,
) -> tuple[ConvscopeApp, SessionRuntime]:
    store = SessionStore()
    kwargs: dict[str, Any] = {"clock": clock} if clock is not None else {}
    if gate is not None:
        kwargs["provider_factory"] = gate.factory()
    session = SessionRuntime.start(config, store=store, start_paused=start_paused, **kwargs)
    return ConvscopeApp(lambda: LiveScreen(session), store=store), session


async def until(pilot: Pilot[Any], condition: Callable[[], bool], *, limit_s: float = 20.0) -> None:
    """Let the app run until ``condition`` holds; fail (not flake) only if it never does."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + limit_s
    while not condition():
        if loop.time() > deadline:
            raise AssertionError("condition never became true")
        await pilot.pause(0.02)
    await pilot.pause()


def live_screen(pilot: Pilot[Any]) -> LiveScreen:
    """The live screen, even with a dialog on top of it."""
    return next(s for s in reversed(pilot.app.screen_stack) if isinstance(s, LiveScreen))


async def until_drained(pilot: Pilot[Any]) -> None:
    """Until the engine has ended and the screen has shown everything it emitted."""
    screen = live_screen(pilot)
    await until(pilot, lambda: screen.ended is not None)


async def record_session(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    after_turn: Callable[[Engine, int], None] | None = None,
    stop_after: int | None = None,
) -> SessionDocument:
    """Run a whole session headless, as the CLI would, and return what was saved.

    ``after_turn(engine, index)`` may send commands (they land before the next turn);
    ``stop_after`` stops the session once that many turns are done.
    """
    store = store or SessionStore()
    runtime = SessionRuntime.start(config, store=store, clock=TickClock())
    engine = runtime.engine

    def observe(event: Event) -> None:
        if isinstance(event, TurnCompleted | TurnFailed):
            if after_turn is not None:
                after_turn(engine, event.turn.index)
            if stop_after is not None and event.turn.index + 1 >= stop_after:
                engine.stop()

    runtime.subscribe(observe)
    await runtime.run()
    return store.load(runtime.session_id)


def intervene(engine: Engine, index: int) -> None:
    """Agent-B renamed Zed before turn 3; Agent-C decommissioned before turn 5."""
    if index == 2:
        engine.rename("a1", "Zed")
    if index == 4:
        engine.inject_failure("a2", "decommissioned")


async def session_with_interventions() -> SessionDocument:
    """Nine turns of the scripted trio, with the interventions of ``intervene``."""
    return await record_session(scripted_config(rounds=3), after_turn=intervene)


def record_prompts(engine: Engine) -> dict[int, tuple[ChatMessage, ...]]:
    """Each turn's prompt as the engine sends it (turn index -> messages), filled as turns start."""
    prompts: dict[int, tuple[ChatMessage, ...]] = {}

    def record(event: Event) -> None:
        if isinstance(event, TurnStarted):
            prompts[event.turn_index] = engine.in_flight[event.turn_index].messages

    engine.subscribe(record)
    return prompts
