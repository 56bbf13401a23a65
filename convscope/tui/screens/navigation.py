"""Leaving a screen: back to the screen below it, or out of the app when there is none."""

from __future__ import annotations

from typing import Any

from textual.screen import Screen


def leave(screen: Screen[Any]) -> None:
    # The stack always holds Textual's default screen at the bottom.
    if len(screen.app.screen_stack) > 2:
        screen.dismiss()
    else:
        screen.app.exit()
