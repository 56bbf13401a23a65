"""Headless sessions: the engine, the session writer and a live console printer, no TUI."""

from __future__ import annotations

from typing import TextIO

from convscope.console_printer import ConsolePrinter
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.protocols import tracker_for
from convscope.core.providers.local import wait_for_generation_threads
from convscope.sessions.saved_measures import resumed_tracker
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore, SessionWriter


def engine_for(
    writer: SessionWriter, document: SessionDocument | None = None, *, retry_failed: bool = False
) -> Engine:
    """An engine recording into ``writer``; given a saved document, it continues it (re-running
    its failed turns first when ``retry_failed``)."""
    config = writer.document.config
    return Engine(
        config,
        transcript=document.turns if document else (),
        controls=document.controls if document else (),
        observers=[writer.on_event],
        # the protocol's live tracker (embeddings if the config asks); a resumed one has seen the saved turns
        metrics=resumed_tracker(document) if document else tracker_for(config),
        retry_failed=retry_failed,
    )


async def run_headless(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    resume_id: str | None = None,
    retry_failed: bool = False,
    file: TextIO | None = None,
) -> SessionWriter:
    """Run a new session (or continue ``resume_id``) to its end, printing it live."""
    store = store or SessionStore()
    if resume_id is None:
        writer, document = store.create(config), None
    else:
        document = store.load(resume_id)
        writer = store.open_writer(document.id)
    engine = engine_for(writer, document, retry_failed=retry_failed)
    engine.subscribe(ConsolePrinter(file))
    try:
        await engine.run()
    finally:
        writer.close()
        wait_for_generation_threads()  # Ctrl+C mid-turn: let torch finish its token before exit
    return writer
