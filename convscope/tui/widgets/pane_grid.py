"""The grid of agent panes, reshaped to the number of agents and the room available."""

from __future__ import annotations

import math

from textual import events
from textual.containers import Grid

from convscope.tui.widgets.agent_pane import AgentPane

MIN_PANE_WIDTH = 26
MIN_PANE_HEIGHT = 8

# Preferred column counts for 1..20 panes: side by side up to three, then near-square
# grids a little wider than tall, because terminal cells are twice as tall as wide.
_PREFERRED_COLUMNS = (1, 2, 3, 2, 3, 3, 4, 4, 3, 4, 4, 4, 5, 5, 5, 4, 5, 5, 5, 5)


def grid_columns(count: int, width: int) -> int:
    """How many columns ``count`` panes get in ``width`` cells."""
    if count <= 0:
        return 1
    preferred = _PREFERRED_COLUMNS[min(count, len(_PREFERRED_COLUMNS)) - 1]
    if count > len(_PREFERRED_COLUMNS):
        preferred = math.ceil(math.sqrt(count * 1.5))
    return max(1, min(preferred, width // MIN_PANE_WIDTH or 1))


class PaneGrid(Grid):
    """Panes fill the height when they fit, and the grid scrolls when they do not."""

    def __init__(self, panes: list[AgentPane]) -> None:
        super().__init__(*panes, id="pane-grid")
        self.panes = {pane.agent_id: pane for pane in panes}

    def on_mount(self) -> None:
        self._reshape(self.size.width, self.size.height)

    def on_resize(self, event: events.Resize) -> None:
        self._reshape(event.size.width, event.size.height)

    def _reshape(self, width: int, height: int) -> None:
        columns = grid_columns(len(self.panes), width)
        rows = math.ceil(len(self.panes) / columns)
        self.styles.grid_size_columns = columns
        fits = height >= rows * MIN_PANE_HEIGHT
        self.styles.grid_rows = "1fr" if fits else str(MIN_PANE_HEIGHT)
