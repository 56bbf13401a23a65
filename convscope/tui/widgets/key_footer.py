"""The footer of every screen: Textual's, drawn compact when the terminal is narrow.

Textual's footer gives each key two columns of padding, and it cuts the keys that do not fit
from the end. A live screen's keys fill about 150 columns, so below that the compact style
(no padding) keeps more of them in view; the command palette (ctrl+p) lists them all.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

COMPACT_BELOW_COLUMNS = 150


class KeyFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW_COLUMNS
