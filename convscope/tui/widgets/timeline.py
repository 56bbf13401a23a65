"""Replay's timeline: one mark per turn (failed turns stand out, the person's messages and
interrupted turns have marks of their own), the current position, and a marker under every
turn before which the person intervened."""

from __future__ import annotations

from collections.abc import Sequence

from textual.content import Content
from textual.widget import Widget

from convscope.core.records import ControlRecord, Turn
from convscope.core.text import terminal_safe


class Timeline(Widget):
    def __init__(self, turns: Sequence[Turn], controls: Sequence[ControlRecord]) -> None:
        super().__init__(id="timeline")
        self.turns = list(turns)
        self.controls = list(controls)
        self.position = len(self.turns) - 1

    def show(self, position: int) -> None:
        self.position = position
        self.refresh()

    def _cell(self, turn_index: int, width: int) -> int:
        count = max(1, len(self.turns))
        return turn_index if count <= width else turn_index * width // count

    def render(self) -> Content:
        width = max(1, self.size.width)
        count = len(self.turns)
        cells = min(width, max(count, 1))
        marks = [("─", "$text-muted")] * cells
        for turn in self.turns:
            cell = self._cell(turn.index, width)
            if marks[cell][0] != "✕":
                marks[cell] = _mark(turn)
        if 0 <= self.position < count:
            cell = self._cell(self.position, width)
            marks[cell] = (marks[cell][0], "bold reverse $accent")
        flags = [" "] * cells
        for record in self.controls:
            flags[min(self._cell(record.turn_index, width), cells - 1)] = "▲"
        if 0 <= self.position < count:
            turn = self.turns[self.position]
            name = terminal_safe(turn.nickname)
            head = f"turn #{turn.index} ({turn.index + 1} of {count}) · round #{turn.round} · {name}"
        else:
            head = f"before the first turn · {count} turns"
        head += "   ←/→ turn · home/end · g go to turn · ▲ intervention"
        return Content.assemble((head, "bold"), "\n", *marks, "\n", ("".join(flags), "bold $warning"))


def _mark(turn: Turn) -> tuple[str, str]:
    if turn.failed:
        return ("✕", "bold $error")
    if turn.human:
        return ("✉", "bold $secondary")
    if turn.interrupted:
        return ("◧", "bold $warning")
    return ("■", "$primary")
