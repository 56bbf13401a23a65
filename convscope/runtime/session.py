"""A session's engine, the writer recording it and its metrics tracker, built and run one way.

Built before anything runs, so that a failure to create or lock the session is reported
before a screen is drawn or a line printed. Running it closes the writer whatever
happens; a crash the engine could not report itself (a front end's observer failing as
the session starts) is still recorded as the session's end.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Protocol

from convscope.core.config import SessionConfig
from convscope.core.engine import Engine, Observer, ProviderFactory
from convscope.core.events import Event, SessionEnded
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import tracker_for
from convscope.core.providers.factory import build_provider
from convscope.sessions.saved_measures import resumed_tracker
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore, SessionWriter


class ClosingObserver(Protocol):
    """An observer that holds something to release when the run is over (a live exporter)."""

    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...


SessionObserverFactory = Callable[[str, SessionConfig], ClosingObserver]
"""Builds an observer for the session id and config once the session exists."""


class SessionRuntime:
    """One session to run: ``start`` a new one or ``resume`` a saved one, ``subscribe``, ``run``.

    Built directly, it takes an engine that nothing observes yet: the runtime records every
    event with ``writer`` before it tells anyone else.
    """

    def __init__(
        self,
        store: SessionStore,
        writer: SessionWriter,
        engine: Engine,
        tracker: MetricsTracker,
        saved: SessionDocument | None = None,
    ) -> None:
        self.store = store
        self.writer = writer
        self.engine = engine
        self.tracker = tracker
        self.saved = saved  # what was already recorded, when resuming
        self.ended: SessionEnded | None = None
        self._observers: list[Observer] = [self._note_end, writer.on_event]
        engine.subscribe(self._tell)

    @property
    def session_id(self) -> str:
        return self.writer.session_id

    @classmethod
    def start(
        cls,
        config: SessionConfig,
        *,
        store: SessionStore | None = None,
        start_paused: bool = False,
        clock: Callable[[], float] = time.time,
        provider_factory: ProviderFactory = build_provider,
    ) -> SessionRuntime:
        """A new session, created (and locked) in ``store``; ``provider_factory`` lets a test
        decide when the agents speak."""
        store = store or SessionStore()
        writer = store.create(config)
        with _closed_on_error(writer):
            tracker = tracker_for(config)
            engine = Engine(
                config,
                metrics=tracker,
                start_paused=start_paused,
                clock=clock,
                provider_factory=provider_factory,
            )
            return cls(store, writer, engine, tracker)

    @classmethod
    def resume(
        cls,
        session_id: str,
        *,
        store: SessionStore | None = None,
        start_paused: bool = False,
        retry_failed: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> SessionRuntime:
        """A saved session, going on after its last recorded turn; ``retry_failed`` first runs
        its failed turns again."""
        store = store or SessionStore()
        writer = store.open_writer(session_id)
        return cls.going_on(store, writer, start_paused=start_paused, retry_failed=retry_failed, clock=clock)

    @classmethod
    def going_on(
        cls,
        store: SessionStore,
        writer: SessionWriter,
        *,
        start_paused: bool = False,
        retry_failed: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> SessionRuntime:
        """The session ``writer`` holds, going on after the turns it already has (a resumed
        session, or a branch that starts with its parent's)."""
        with _closed_on_error(writer):
            saved = writer.document.model_copy(deep=True)
            tracker = resumed_tracker(saved)  # it has seen the saved turns, with their recorded scores
            engine = Engine(
                saved.config,
                transcript=saved.turns,
                controls=saved.controls,
                metrics=tracker,
                snapshots=saved.metrics,
                start_paused=start_paused,
                retry_failed=retry_failed,
                clock=clock,
            )
            return cls(store, writer, engine, tracker, saved)

    def subscribe(self, observer: Observer) -> None:
        """Receive every event after the writer has recorded it."""
        self._observers.append(observer)

    def attach(self, factories: Sequence[SessionObserverFactory]) -> list[ClosingObserver]:
        """Build each factory's observer for this session and subscribe it; the caller closes
        them once the run is over (headless or in the TUI alike). A factory that fails leaves
        the session unlocked, as a failure to set it up does."""
        with _closed_on_error(self.writer):
            observers = [factory(self.session_id, self.engine.config) for factory in factories]
        for observer in observers:
            self.subscribe(observer)
        return observers

    def unsubscribe(self, observer: Observer) -> None:
        """Stop sending events to ``observer`` (it may call this from inside itself)."""
        with contextlib.suppress(ValueError):
            self._observers.remove(observer)

    async def run(self) -> None:
        """Run the session to its end on this loop; the session is saved and released after."""
        try:
            await self.engine.run()
        except BaseException as error:
            if self.ended is None:
                with contextlib.suppress(Exception):  # the observer that failed may fail again
                    self._tell(SessionEnded("error", f"{type(error).__name__}: {error}"))
            raise
        finally:
            self.writer.close()

    def _tell(self, event: Event) -> None:
        for observer in tuple(self._observers):  # an observer may unsubscribe itself
            observer(event)

    def _note_end(self, event: Event) -> None:
        if isinstance(event, SessionEnded):
            self.ended = event


@contextmanager
def _closed_on_error(writer: SessionWriter) -> Iterator[None]:
    """A session that cannot be set up must not stay locked."""
    try:
        yield
    except BaseException:
        writer.close()
        raise
