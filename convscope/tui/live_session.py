"""A session about to be watched live: its engine, the writer recording it, its metrics tracker.

Built before the screen so that a failure to create or lock the session is reported
before anything is drawn, and so that tests can hand the screen an engine with a
deterministic clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import tracker_for
from convscope.sessions.saved_measures import resumed_tracker
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore, SessionWriter


@dataclass
class LiveSession:
    store: SessionStore
    writer: SessionWriter
    engine: Engine
    tracker: MetricsTracker
    saved: SessionDocument | None = None  # what was already recorded, when resuming

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
    ) -> LiveSession:
        store = store or SessionStore()
        writer = store.create(config)
        with _closed_on_error(writer):
            tracker = tracker_for(config)
            engine = Engine(
                config, observers=[writer.on_event], metrics=tracker, start_paused=start_paused, clock=clock
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
    ) -> LiveSession:
        """Continue a saved session; ``retry_failed`` first runs its failed turns again."""
        store = store or SessionStore()
        writer = store.open_writer(session_id)
        with _closed_on_error(writer):
            saved = writer.document.model_copy(deep=True)
            tracker = resumed_tracker(saved)
            engine = Engine(
                saved.config,
                transcript=saved.turns,
                controls=saved.controls,
                observers=[writer.on_event],
                metrics=tracker,
                start_paused=start_paused,
                retry_failed=retry_failed,
                clock=clock,
            )
        return cls(store, writer, engine, tracker, saved)


@contextmanager
def _closed_on_error(writer: SessionWriter) -> Iterator[None]:
    """A session that cannot be set up must not stay locked."""
    try:
        yield
    except BaseException:
        writer.close()
        raise
