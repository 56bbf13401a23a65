"""convscope's two Textual themes and the stylesheet every screen shares.

Themes are data: the widgets only ever name theme variables (``$primary``, ``$error``...)
in ``convscope.tcss``, so switching theme never touches a widget.
"""

from __future__ import annotations

from pathlib import Path

from textual.theme import Theme

STYLESHEET = Path(__file__).with_name("convscope.tcss")

DARK = Theme(
    name="convscope-dark",
    primary="#5fafff",
    secondary="#8787d7",
    accent="#ffaf5f",
    warning="#ffd75f",
    error="#ff5f5f",
    success="#5fd787",
    foreground="#d0d0d0",
    background="#121212",
    surface="#1c1c1c",
    panel="#262626",
    dark=True,
    variables={"footer-key-foreground": "#5fafff"},
)

LIGHT = Theme(
    name="convscope-light",
    primary="#005faf",
    secondary="#5f5faf",
    accent="#af5f00",
    warning="#af8700",
    error="#d70000",
    success="#008700",
    foreground="#1c1c1c",
    background="#fafafa",
    surface="#eeeeee",
    panel="#e4e4e4",
    dark=False,
    variables={"footer-key-foreground": "#005faf"},
)

THEMES: tuple[Theme, ...] = (DARK, LIGHT)
DEFAULT_THEME = DARK.name
