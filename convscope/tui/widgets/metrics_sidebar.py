"""The live metrics sidebar: ROUGE, confidence, loop detection, disagreement, and the rest.

Each row can take focus; the focused row's one-line explanation shows at the bottom.
The sidebar draws a ``MetricsBoard`` plus the loop thresholds, so live and replay share it.
"""

from __future__ import annotations

from collections.abc import Mapping

from textual import events
from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.loops import DISTANCES, LoopThresholds
from convscope.core.text import terminal_safe
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.widgets.sparkline import sparkline

SPARK_WIDTH = 12
# Families with a section of their own; "Other" shows the rest but the behaviour flags, which
# would only flicker turn by turn (their round summary, the any-trait share, is shown).
_OWN_SECTIONS = frozenset({"rouge", "confidence", "loop", "disagreement", "tokens", "cost"})
OTHER_HELP = "A metric the protocol reports; latest value."


def is_other(key: str) -> bool:
    entry = m.metric(key)
    if entry is None:
        return True
    if entry in m.IDENTITY or entry.family in _OWN_SECTIONS:
        return False
    return entry.family != "behaviour" or entry is m.BEHAVIOUR_ANY


def help_of(key: str) -> str:
    entry = m.metric(key)
    return OTHER_HELP if entry is None else entry.help


def _value(value: float | None, signed: bool = False) -> str:
    if value is None:
        return "  —  "
    return f"{value:+.3f}" if signed else f"{value:.3f}"


class MetricRow(Static, can_focus=True):
    """One line of the sidebar; focus it to read what it means."""

    def __init__(self, key: str) -> None:
        super().__init__(classes="metric-row", markup=False)
        self.key = key
        self._shown: object = None

    def show(self, content: str | Content) -> None:
        """Redraw only on a change, and never re-lay out the screen (a row is one line)."""
        key = (content.plain, tuple(content.spans)) if isinstance(content, Content) else content
        if key != self._shown:
            self._shown = key
            self.update(content, layout=False)

    def on_focus(self, _: events.Focus) -> None:
        self.screen.query_one("#metric-help", Static).update(help_of(self.key))


class MetricsSidebar(VerticalScroll):
    def __init__(self, agents: Mapping[str, str]) -> None:
        """``agents`` maps agent ids to nicknames, in speaking order."""
        super().__init__(id="metrics-sidebar")
        self.names = dict(agents)
        self.board = MetricsBoard()
        self.thresholds = LoopThresholds()
        self._rows: dict[str, MetricRow] = {}

    def _row(self, key: str) -> MetricRow:
        row = self._rows[key] = MetricRow(key)
        return row

    def compose(self) -> ComposeResult:
        yield Static("ROUGE · last round", classes="metric-title")
        for entry in m.ROUGE:
            yield self._row(entry.key)
        yield Static("Confidence", classes="metric-title")
        for agent_id in self.names:
            yield self._row(m.CONFIDENCE_AGENT.of(agent_id))
        yield self._row(m.CONFIDENCE_MEAN.key)
        yield Static("Loop", classes="metric-title")
        for name in DISTANCES:
            yield self._row(m.LOOP_DISTANCE[name].key)
        yield self._row(m.LOOP_CONVERGED_STEPS.key)
        yield self._row(m.LOOP_DETECTED.key)
        yield Static("Disagreement", classes="metric-title", id="disagreement-title")
        yield self._row(m.DISAGREEMENT.key)
        yield Static("Usage", classes="metric-title")
        yield self._row(m.TOKENS_TOTAL.key)
        for agent_id in self.names:
            yield self._row(m.TOKENS_AGENT.of(agent_id))
        yield self._row(m.COST_TOTAL.key)
        for agent_id in self.names:
            yield self._row(m.COST_AGENT.of(agent_id))
        yield Static("Other", classes="metric-title", id="other-title")
        yield Vertical(id="other-metrics")
        yield Static("Tab to a metric to read what it means.", id="metric-help", markup=False)

    def on_mount(self) -> None:
        self.redraw()

    def show(self, board: MetricsBoard | None = None, thresholds: LoopThresholds | None = None) -> None:
        self.board = board if board is not None else self.board
        self.thresholds = thresholds if thresholds is not None else self.thresholds
        self.redraw()

    def row_text(self, key: str) -> str:
        """The text of one metric's row, as drawn."""
        return str(self._rows[key].visual)

    def redraw(self) -> None:
        if not self._rows:
            return
        board = self.board
        for entry in m.ROUGE:
            spark = sparkline(board.series(entry.key), SPARK_WIDTH, 0.0, 1.0)
            self._rows[entry.key].show(f"{entry.short:<9} {_value(board.number(entry.key))}  {spark}")
        for agent_id, name in self.names.items():
            key = m.CONFIDENCE_AGENT.of(agent_id)
            self._rows[key].show(f"{terminal_safe(name)[:12]:<12} {_value(board.number(key), signed=True)}")
        mean = _value(board.number(m.CONFIDENCE_MEAN.key), signed=True)
        self._rows[m.CONFIDENCE_MEAN.key].show(f"{'mean':<12} {mean}")
        self._draw_loop()
        key = m.DISAGREEMENT.key
        std = board.number(key)
        for widget in (self._rows[key], self.query_one("#disagreement-title")):
            widget.display = std is not None
        self._rows[key].show(
            f"{m.DISAGREEMENT.short:<9} {_value(std)}  {sparkline(board.series(key), SPARK_WIDTH)}"
        )
        self._draw_usage()
        self._draw_other()

    def _draw_usage(self) -> None:
        """Tokens (n/a when no provider reports usage), and cost only when the config has prices."""
        board = self.board
        for total, per_agent in ((m.TOKENS_TOTAL, m.TOKENS_AGENT), (m.COST_TOTAL, m.COST_AGENT)):
            shown = total is m.TOKENS_TOTAL or total.key in board.latest
            rows = [(total, total.key, "total")]
            rows += [(per_agent, per_agent.of(agent), name) for agent, name in self.names.items()]
            for entry, key, name in rows:
                row = self._rows[key]
                row.display = shown
                row.show(
                    f"{entry.short[:6]:<6} {terminal_safe(name)[:12]:<12} {entry.format(board.number(key))}"
                )

    def _draw_other(self) -> None:
        numbers = {key: self.board.number(key) for key in sorted(self.board.latest) if is_other(key)}
        other = [(key, number) for key, number in numbers.items() if number is not None]
        holder = self.query_one("#other-metrics", Vertical)
        for key, number in other:
            row = self._rows.get(key)
            if row is None:
                row = self._row(key)
                holder.mount(row)
            entry = m.metric(key)
            shown = f"{number:.3f}" if entry is None else entry.format(number)
            row.show(f"{terminal_safe(m.label(key))[:24]:<24} {shown}")
        self.query_one("#other-title").display = bool(other)

    def _draw_loop(self) -> None:
        board, thresholds = self.board, self.thresholds
        for name in DISTANCES:
            entry = m.LOOP_DISTANCE[name]
            value = board.number(entry.key)
            limit = thresholds.limit(name)
            converged = value is not None and value <= limit
            mark = ("✓", "$success") if converged else ("·", "$text-muted")
            self._rows[entry.key].show(
                Content.assemble(f"{entry.short:<9} {_value(value)} ≤ {limit:.2f} ", mark)
            )
        steps = int(board.number(m.LOOP_CONVERGED_STEPS.key) or 0)
        self._rows[m.LOOP_CONVERGED_STEPS.key].show(f"converged {steps} / {thresholds.min_steps} steps")
        onset = board.latest.get(m.LOOP_ONSET.key)
        if board.latest.get(m.LOOP_DETECTED.key):
            since = f" since turn #{onset}" if onset is not None else ""
            flag = Content.assemble((f"● LOOP{since}", "bold $error"))
        else:
            flag = Content.assemble(("○ no loop", "$text-muted"))
        self._rows[m.LOOP_DETECTED.key].show(flag)
