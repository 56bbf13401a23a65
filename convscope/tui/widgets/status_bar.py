"""The one-line header of a session screen: title, state, round and turn, who speaks."""

from __future__ import annotations

from textual.content import Content
from textual.widgets import Static

from convscope.core.text import terminal_safe

_STATE_STYLE = {
    "running": "bold $success",
    "paused": "bold $warning",
    "pausing": "bold $warning",
    "finished": "bold $primary",
    "stopped": "bold $error",
    "error": "bold $error",
    "replay": "bold $secondary",
}


class StatusBar(Static):
    def __init__(self) -> None:
        super().__init__(classes="status-bar", markup=False)

    def show(self, title: str, state: str, details: list[str]) -> None:
        parts: list[str | tuple[str, str]] = [
            ("convscope", "bold $primary"),
            "  ",
            (terminal_safe(title), "bold"),
            "  ",
            (f"● {state}", _STATE_STYLE.get(state, "bold")),
        ]
        for detail in details:
            parts += ["  ·  ", terminal_safe(detail)]
        self.update(Content.assemble(*parts), layout=False)
