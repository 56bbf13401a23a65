"""A pane's text as it streams in, wrapped to the pane's width, showing its newest lines.

A Static that grows makes Textual lay out the whole screen on every update, and so does
a scroll view whose virtual size changes: with many panes streaming, that stalled the
UI. This widget never changes size: it keeps the wrapped lines and draws the last ones
that fit (like ``tail -f``; the whole text is in the chat view and in the record), so
new text only repaints its own lines, and only the last paragraph is wrapped again.
Every line is drawn as one plain segment in the widget's style: nothing in the text can
act as markup.
"""

from __future__ import annotations

import re

from rich.cells import cell_len, chop_cells
from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.strip import Strip
from textual.widget import Widget

_WORDS = re.compile(r"\s*\S+")


def wrap(paragraph: str, width: int) -> list[str]:
    """Greedy word wrap by terminal cells; words wider than a line are cut."""
    if width <= 0 or cell_len(paragraph) <= width:
        return [paragraph.rstrip()]
    lines: list[str] = []
    line = ""
    for spaced_word in _WORDS.findall(paragraph):
        if cell_len(line + spaced_word) <= width:
            line += spaced_word
            continue
        if line:
            lines.append(line)
        word = spaced_word.lstrip()
        *full, line = chop_cells(word, width) if cell_len(word) > width else [word]
        lines.extend(full)
    lines.append(line)
    return lines


class StreamText(Widget):
    def __init__(self, *, classes: str | None = None) -> None:
        super().__init__(classes=classes)
        self.text = ""
        self._head: list[str] = []  # wrapped lines of every paragraph but the last
        self._tail: list[str] = []  # wrapped lines of the last paragraph, still growing
        self._tail_start = 0  # where the last paragraph starts in self.text
        self._wrap_width = 0
        self._style: Style | None = None

    def show(self, text: str) -> None:
        """Show ``text``; when it extends what is shown, only its last paragraph is wrapped again."""
        if text == self.text:
            return
        extends = text.startswith(self.text)
        self.text = text
        self._rewrap(from_tail=extends)

    @property
    def lines(self) -> list[str]:
        return self._head + self._tail

    def on_resize(self, event: events.Resize) -> None:
        if event.size.width != self._wrap_width:
            self._rewrap(from_tail=False)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style = None

    def _rewrap(self, *, from_tail: bool) -> None:
        width = self.size.width
        if not from_tail or width != self._wrap_width:
            self._head, self._tail_start, self._wrap_width = [], 0, width
        *complete, last = self.text[self._tail_start :].split("\n")
        for paragraph in complete:
            self._head.extend(wrap(paragraph, width))
        self._tail_start = len(self.text) - len(last)
        self._tail = wrap(last, width)
        self.refresh()

    def render_line(self, y: int) -> Strip:
        if self._style is None:
            self._style = self.rich_style
        style, width = self._style, self.size.width
        count = len(self._head) + len(self._tail)
        index = max(0, count - self.size.height) + y
        if index >= count:
            return Strip.blank(width, style)
        line = self._head[index] if index < len(self._head) else self._tail[index - len(self._head)]
        return Strip([Segment(line, style)], cell_len(line)).crop_extend(0, width, style)
