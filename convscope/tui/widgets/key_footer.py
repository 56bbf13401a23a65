"""The footer of every screen: Textual's, drawn compact when the terminal is narrow, and
without the screen's least needed keys when even that does not fit.

Textual's footer gives each key two columns of padding, and it cuts the keys that do not fit
from the end, so on a live screen at 120 columns ``q Quit`` was the first to go. Below about
150 columns the compact style (no padding) keeps more keys in view; where it is still too
narrow, the keys a screen names in ``FOOTER_DROPS_FIRST`` are hidden, in that order, until the
rest fit. Every key still works, and the command palette (ctrl+p) lists them all.
"""

from __future__ import annotations

from collections.abc import Sequence

from rich.cells import cell_len
from textual import events
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

COMPACT_BELOW_COLUMNS = 150


class KeyFooter(Footer):
    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW_COLUMNS
        self._fit(event.size.width)  # at once, then again once the keys are drawn in their new style
        self.call_after_refresh(self._fit)

    async def recompose(self) -> None:
        await super().recompose()
        self._fit()

    def _fit(self, width: int | None = None) -> None:
        """Show every key, then hide the screen's least needed ones until the others fit in
        ``width`` columns (by default the footer's)."""
        if not self.is_attached:  # its screen was closed while the footer was being redrawn
            return
        keys = [key for key in self.query(FooterKey) if not key.has_class("-command-palette")]
        palette = sum(_width(key) for key in self.query(FooterKey) if key.has_class("-command-palette"))
        for key in keys:
            key.display = True
        hidden = hidden_keys(
            [(key.action, _width(key)) for key in keys],
            (width or self.size.width) - palette,
            getattr(self.screen, "FOOTER_DROPS_FIRST", ()),
        )
        for key in keys:
            if key.action in hidden:
                key.display = False


def hidden_keys(keys: Sequence[tuple[str, int]], room: int, drops_first: Sequence[str]) -> set[str]:
    """The actions to hide, taken from ``drops_first`` in order, so that the other keys'
    widths add up to at most ``room`` columns (as many as it takes, and no more)."""
    hidden: set[str] = set()
    used = sum(width for _, width in keys)
    widths = dict(keys)
    for action in drops_first:
        if used <= room:
            break
        if action in widths:
            hidden.add(action)
            used -= widths[action]
    return hidden


def _width(key: FooterKey) -> int:
    """Columns the key takes: its label, padding, border and margins (as the footer's CSS sets them)."""
    styles = key.styles
    border = sum(1 for edge in (styles.border_left, styles.border_right) if edge[0])
    spacing = styles.padding.left + styles.padding.right + styles.margin.left + styles.margin.right
    return cell_len(key.render().plain) + spacing + border
