"""Headless sessions: the engine, the session writer and a live console printer, no TUI."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol, TextIO

from convscope.console_printer import ConsolePrinter
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event
from convscope.core.providers.local import wait_for_generation_threads
from convscope.core.tracking import tracker_for
from convscope.sessions.recorded import resumed_tracker
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore, SessionWriter


def engine_for(writer: SessionWriter, document: SessionDocument | None = None) -> Engine:
    """An engine recording into ``writer``; given a saved document, it continues it."""
    config = writer.document.config
    return Engine(
        config,
        transcript=document.turns if document else (),
        controls=document.controls if document else (),
        observers=[writer.on_event],
        # the protocol's live tracker (embeddings if the config asks); a resumed one has seen the saved turns
        metrics=resumed_tracker(document) if document else tracker_for(config),
    )


class ClosingObserver(Protocol):
    """An observer that holds something to release when the run is over (a live exporter)."""

    def __call__(self, event: Event) -> None: ...

    def close(self) -> None: ...


SessionObserverFactory = Callable[[str, SessionConfig], ClosingObserver]
"""Builds an observer for the session id and config once the session exists."""


async def run_headless(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    resume_id: str | None = None,
    file: TextIO | None = None,
    observers: Sequence[SessionObserverFactory] = (),
) -> SessionWriter:
    """Run a new session (or continue ``resume_id``) to its end, printing it live; ``observers``
    (e.g. the live OTLP export) see every event and are closed after the session is saved."""
    store = store or SessionStore()
    if resume_id is None:
        writer, document = store.create(config), None
    else:
        document = store.load(resume_id)
        writer = store.open_writer(document.id)
    engine = engine_for(writer, document)
    engine.subscribe(ConsolePrinter(file))
    extra = [factory(writer.session_id, config) for factory in observers]
    for observer in extra:
        engine.subscribe(observer)
    try:
        await engine.run()
    finally:
        writer.close()
        wait_for_generation_threads()  # Ctrl+C mid-turn: let torch finish its token before exit
        for observer in extra:
            observer.close()
    return writer
