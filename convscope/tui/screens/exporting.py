"""Export a saved session off the UI loop and tell the person how it went."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

from textual.screen import Screen

from convscope.sessions.export import export_session
from convscope.sessions.schema import SessionDocument
from convscope.tui.dialogs.export import ExportChoice


def export_in_background(
    screen: Screen[Any], document: Callable[[], SessionDocument], choice: ExportChoice | None
) -> None:
    """``document`` is called in the worker thread too, so loading it never blocks the UI."""
    if choice is None:
        return
    fmt, path = choice

    async def run() -> None:
        try:
            await asyncio.to_thread(lambda: export_session(document(), fmt, path))
        except (OSError, ValueError, LookupError) as exc:
            screen.notify(f"Export failed: {exc}", severity="error", markup=False)
        else:
            screen.notify(f"Exported to {path}", markup=False)

    screen.run_worker(run(), name="export")
