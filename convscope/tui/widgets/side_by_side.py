"""Two transcripts side by side, one row per pair of turns (``convscope.compare.align``):
a row both sessions share is dimmed, the first row that differs is marked."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from convscope.compare.align import Alignment, TurnPair
from convscope.compare.render import turn_text

TEXT_LIMIT = 600  # characters of a turn shown; the rest is in replay


class PairRow(Horizontal):
    def __init__(self, pair: TurnPair, *, first: bool) -> None:
        classes = "pair-row" + (" -same" if pair.same else "") + (" -first-difference" if first else "")
        super().__init__(classes=classes)
        self.pair = pair
        self.first = first

    def compose(self) -> ComposeResult:
        pair = self.pair
        label = f"turn {pair.index}\nround {pair.round}" + ("\n◀ first\ndifference" if self.first else "")
        yield Static(label, classes="pair-turn", markup=False)
        yield Static(turn_text(pair.a, TEXT_LIMIT), classes="pair-a", markup=False)
        b_text = "= same as A" if pair.same else turn_text(pair.b, TEXT_LIMIT)
        yield Static(b_text, classes="pair-b", markup=False)


class SideBySide(VerticalScroll):
    """The aligned transcripts; :meth:`show_first_difference` scrolls to where they part."""

    def __init__(self) -> None:
        super().__init__(id="side-by-side")
        self.first_row: PairRow | None = None

    async def show(self, alignment: Alignment) -> None:
        await self.remove_children()
        first = alignment.first_difference
        rows = [PairRow(pair, first=position == first) for position, pair in enumerate(alignment.pairs)]
        self.first_row = rows[first] if first is not None else None
        await self.mount_all(rows)

    def show_first_difference(self) -> None:
        if self.first_row is not None:
            self.scroll_to_center(self.first_row, animate=False)
