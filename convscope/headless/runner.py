"""Headless sessions: a session runtime and a live console printer, no TUI."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TextIO

from convscope.core.config import SessionConfig
from convscope.core.providers.local import wait_for_generation_threads
from convscope.headless.console_printer import ConsolePrinter
from convscope.runtime.session import SessionObserverFactory, SessionRuntime
from convscope.sessions.store import SessionStore, SessionWriter


async def run_headless(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    resume_id: str | None = None,
    retry_failed: bool = False,
    file: TextIO | None = None,
    observers: Sequence[SessionObserverFactory] = (),
) -> SessionWriter:
    """Run a new session (or continue ``resume_id``, re-running its failed turns first when
    ``retry_failed``) to its end, printing it live; ``observers`` (e.g. the live OTLP export)
    see every event after it is recorded and are closed after the session is saved."""
    if resume_id is None:
        runtime = SessionRuntime.start(config, store=store)
    else:
        runtime = SessionRuntime.resume(resume_id, store=store, retry_failed=retry_failed)
    return await run_printed(runtime, file=file, observers=observers)


async def run_printed(
    runtime: SessionRuntime, *, file: TextIO | None = None, observers: Sequence[SessionObserverFactory] = ()
) -> SessionWriter:
    """Run a session already built (e.g. a new branch) to its end, printing it live."""
    runtime.subscribe(ConsolePrinter(file, runtime.engine.names))
    extra = runtime.attach(observers)
    try:
        await runtime.run()
    finally:
        wait_for_generation_threads()  # Ctrl+C mid-turn: let torch finish its token before exit
        for observer in extra:
            observer.close()
    return runtime.writer
