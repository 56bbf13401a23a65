"""Model text is data, not markup: make it safe to put on a terminal."""

from __future__ import annotations

import re

# CSI / OSC / other ESC sequences, then any C0/C1 control character but tab and newline.
_ESCAPES = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-Z\\-_]")
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def terminal_safe(text: str) -> str:
    """Drop terminal escape sequences and control characters; keep everything printable.

    Rich markup such as ``[bold]`` is left as characters: callers must still render the
    result as plain text (``rich.text.Text``, ``markup=False``), never as markup.
    """
    return _CONTROLS.sub("", _ESCAPES.sub("", text.replace("\r\n", "\n")))
