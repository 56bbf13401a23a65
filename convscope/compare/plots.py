"""Two sessions compared, as a report's charts and tables: each measure's two curves on one
chart (``plotdata.compare``), the final values with B - A, and the aligned transcripts."""

from __future__ import annotations

from convscope.compare.finals import format_difference, format_final
from convscope.compare.pair import PairComparison
from convscope.compare.render import FIRST_DIFFERENCE, difference_line, turn_text
from convscope.plotdata.compare import overlay_chart
from convscope.plotdata.model import Chart, LineChart, Plots, Table

TEXT_LIMIT = 400  # characters of a turn in the transcript table


def _worth_drawing(chart: LineChart) -> bool:
    """Something measured, and not one flat line the two sessions share (a threshold)."""
    values = {y for series in chart.series for y in series.ys if y is not None}
    return not chart.empty and len(values) > 1


def compare_charts(comparison: PairComparison) -> list[Chart]:
    pair = comparison.alignment.first_different_pair
    parted = None if pair is None else (pair.index, pair.round)
    a, b = comparison.a.points, comparison.b.points
    charts = [overlay_chart(row.key, row.label, a, b, parted=parted) for row in comparison.metrics]
    return [chart for chart in charts if _worth_drawing(chart)]


def compare_tables(comparison: PairComparison) -> list[Table]:
    sides = [
        [
            name,
            side.document.id,
            side.document.config.title,
            str(len(side.document.turns)),
            ", ".join(side.names.values()),
        ]
        for name, side in (("A", comparison.a), ("B", comparison.b))
    ]
    finals = [
        [
            row.label,
            format_final(row.key, row.a),
            format_final(row.key, row.b),
            format_difference(row.key, row.difference),
        ]
        for row in comparison.metrics
    ]
    first = comparison.alignment.first_difference
    transcript = [
        [
            str(pair.index),
            str(pair.round),
            turn_text(pair.a, TEXT_LIMIT),
            "= same" if pair.same else turn_text(pair.b, TEXT_LIMIT),
            FIRST_DIFFERENCE if position == first else "",
        ]
        for position, pair in enumerate(comparison.alignment.pairs)
    ]
    return [
        Table("Sessions", ["", "id", "title", "turns", "agents"], sides),
        Table("Final metrics", ["metric", "A", "B", "B - A"], finals),
        Table("Transcripts by round", ["turn", "round", "A", "B", ""], transcript),
    ]


def compare_plots(comparison: PairComparison) -> Plots:
    a, b = comparison.a.document, comparison.b.document
    return Plots(
        f"Compare: {a.config.title} | {b.config.title}",
        f"A {a.id} · B {b.id} · {difference_line(comparison)}",
        compare_charts(comparison),
        compare_tables(comparison),
    )
