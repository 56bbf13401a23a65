"""Headless sessions: a session runtime and a live console printer, no TUI."""

from __future__ import annotations

from typing import TextIO

from convscope.core.config import SessionConfig
from convscope.core.providers.local import wait_for_generation_threads
from convscope.headless.console_printer import ConsolePrinter
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore, SessionWriter


async def run_headless(
    config: SessionConfig,
    *,
    store: SessionStore | None = None,
    resume_id: str | None = None,
    retry_failed: bool = False,
    file: TextIO | None = None,
) -> SessionWriter:
    """Run a new session (or continue ``resume_id``, re-running its failed turns first when
    ``retry_failed``) to its end, printing it live."""
    if resume_id is None:
        runtime = SessionRuntime.start(config, store=store)
    else:
        runtime = SessionRuntime.resume(resume_id, store=store, retry_failed=retry_failed)
    runtime.subscribe(ConsolePrinter(file))
    try:
        await runtime.run()
    finally:
        wait_for_generation_threads()  # Ctrl+C mid-turn: let torch finish its token before exit
    return runtime.writer
