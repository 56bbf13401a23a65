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

from convscope.core.metrics.loops import DISTANCES, LoopThresholds
from convscope.core.text import terminal_safe
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.widgets.sparkline import sparkline

SPARK_WIDTH = 12
_ROUGE = (("rouge1", "ROUGE-1"), ("rouge2", "ROUGE-2"), ("rougeL", "ROUGE-L"))
_DISTANCE_LABELS = {
    "bleu": "BLEU d",
    "jaccard": "Jaccard d",
    "coherence_change": "coher Δ",
    "cosine": "cosine d",
}
# Shown in their own sections, or per-turn details that would only flicker (behaviour flags).
_NOT_OTHER = ("turn.", "round", "rouge", "confidence.", "loop.", "disagreement.", "behaviour.")
_OTHER_ALSO = ("behaviour.any_share",)

HELP: dict[str, str] = {
    "rouge1": "ROUGE-1: shared words between the agents' last-round messages (mean F over pairs).",
    "rouge2": "ROUGE-2: shared word pairs between agents' last-round messages (mean F over pairs).",
    "rougeL": "ROUGE-L: longest common word sequence between agents' messages (mean F over pairs).",
    "confidence": "Confidence: (certainty cues - hedging cues) per word in the agent's last message.",
    "loop.bleu": "BLEU distance to the previous output (1 - BLEU/100); at or under threshold: repeating.",
    "loop.jaccard": "Jaccard distance between word sets of consecutive outputs; low = same vocabulary.",
    "loop.coherence_change": "Change in unique-word share between consecutive outputs; vetoes sudden shifts.",
    "loop.cosine": "Cosine distance of MiniLM embeddings of consecutive outputs (needs embeddings).",
    "loop.converged_steps": "Consecutive steps with every distance under threshold; a loop needs min steps.",
    "loop.detected": "A loop: min steps or more consecutive converged steps (seed 002), from its first turn.",
    "disagreement.std": "Disagreement: population STD of the agents' opinion scores in the round.",
    "stability.identical": "Share of agents whose message is identical to their previous round's.",
    "stability.retention": "Mean share of an agent's words kept from its previous round's message.",
    "profile.similarity": "How alike the agents' behaviour profiles are (mean pairwise cosine, 0-1).",
    "behaviour.any_share": "Share of the round's messages showing at least one behaviour trait.",
    "other": "A metric the protocol reports; latest value.",
}


def is_other(key: str) -> bool:
    return key in _OTHER_ALSO or not key.startswith(_NOT_OTHER)


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
        self.screen.query_one("#metric-help", Static).update(HELP.get(self.key, HELP["other"]))


class MetricsSidebar(VerticalScroll):
    def __init__(self, agents: Mapping[str, str]) -> None:
        """``agents`` maps agent ids to nicknames, in speaking order."""
        super().__init__(id="metrics-sidebar")
        self.names = dict(agents)
        self.board = MetricsBoard()
        self.thresholds = LoopThresholds()
        self._rows: dict[str, MetricRow] = {}

    def _row(self, key: str, help_key: str | None = None) -> MetricRow:
        row = self._rows[key] = MetricRow(help_key or key)
        return row

    def compose(self) -> ComposeResult:
        yield Static("ROUGE · last round", classes="metric-title")
        for key, _ in _ROUGE:
            yield self._row(key)
        yield Static("Confidence", classes="metric-title")
        for agent_id in self.names:
            yield self._row(f"confidence.{agent_id}", "confidence")
        yield self._row("confidence.mean", "confidence")
        yield Static("Loop", classes="metric-title")
        for name in DISTANCES:
            yield self._row(f"loop.{name}")
        yield self._row("loop.converged_steps")
        yield self._row("loop.detected")
        yield Static("Disagreement", classes="metric-title", id="disagreement-title")
        yield self._row("disagreement.std")
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

    def rename(self, agent_id: str, nickname: str) -> None:
        self.names[agent_id] = nickname
        self.redraw()

    def redraw(self) -> None:
        if not self._rows:
            return
        board = self.board
        for key, label in _ROUGE:
            series = board.series(key)
            line = f"{label:<9} {_value(board.number(key))}  {sparkline(series, SPARK_WIDTH, 0.0, 1.0)}"
            self._rows[key].show(line)
        for agent_id, name in self.names.items():
            value = _value(board.number(f"confidence.{agent_id}"), signed=True)
            self._rows[f"confidence.{agent_id}"].show(f"{terminal_safe(name)[:12]:<12} {value}")
        self._rows["confidence.mean"].show(f"{'mean':<12} {_value(board.number('confidence.mean'), True)}")
        self._draw_loop()
        std = board.number("disagreement.std")
        for widget in (self._rows["disagreement.std"], self.query_one("#disagreement-title")):
            widget.display = std is not None
        self._rows["disagreement.std"].show(
            f"{'STD':<9} {_value(std)}  {sparkline(board.series('disagreement.std'), SPARK_WIDTH)}"
        )
        self._draw_other()

    def _draw_other(self) -> None:
        numbers = {key: self.board.number(key) for key in sorted(self.board.latest) if is_other(key)}
        other = [(key, number) for key, number in numbers.items() if number is not None]
        holder = self.query_one("#other-metrics", Vertical)
        for key, number in other:
            row = self._rows.get(key)
            if row is None:
                row = self._row(key)
                holder.mount(row)
            row.show(f"{terminal_safe(key)[:24]:<24} {number:.3f}")
        self.query_one("#other-title").display = bool(other)

    def _draw_loop(self) -> None:
        board, thresholds = self.board, self.thresholds
        for name in DISTANCES:
            value = board.number(f"loop.{name}")
            limit = thresholds.limit(name)
            converged = value is not None and value <= limit
            mark = ("✓", "$success") if converged else ("·", "$text-muted")
            self._rows[f"loop.{name}"].show(
                Content.assemble(f"{_DISTANCE_LABELS[name]:<9} {_value(value)} ≤ {limit:.2f} ", mark)
            )
        steps = int(board.number("loop.converged_steps") or 0)
        self._rows["loop.converged_steps"].show(f"converged {steps} / {thresholds.min_steps} steps")
        onset = board.latest.get("loop.onset_turn")
        if board.latest.get("loop.detected"):
            since = f" since turn #{onset}" if onset is not None else ""
            flag = Content.assemble((f"● LOOP{since}", "bold $error"))
        else:
            flag = Content.assemble(("○ no loop", "$text-muted"))
        self._rows["loop.detected"].show(flag)
