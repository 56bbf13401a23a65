"""Two groups of sessions compared, as a report (``convscope report --a ... --b ...``): the
table ``compare --a --b`` prints, cell for cell, and each tested measure's two group means
with their 95% bootstrap intervals, the test's numbers under the chart."""

from __future__ import annotations

from convscope.compare.groups import GroupComparison, GroupValues, MeasureComparison
from convscope.compare.render import groups_headers, groups_rows, groups_title
from convscope.plotdata.model import BarChart, BarSeries, Chart, Plots, Table

# The row cells a chart's note repeats: the difference with its CI, U, p and Holm's p.
_NOTE_COLUMNS = slice(4, 8)


def group_charts(comparison: GroupComparison) -> list[Chart]:
    """A chart per measure both groups measured and that was tested (not a constant); each
    bar says how many sessions it stands for (a loop onset exists only where a loop did)."""
    headers = groups_headers(comparison)
    charts: list[Chart] = []
    for measure, cells in zip(comparison.measures, groups_rows(comparison), strict=True):
        if measure.test is None:
            continue
        note = "  ·  ".join(
            f"{header} {cell}"
            for header, cell in zip(headers[_NOTE_COLUMNS], cells[_NOTE_COLUMNS], strict=True)
        )
        charts.append(_means_chart(comparison, measure, note))
    return charts


def _means_chart(comparison: GroupComparison, measure: MeasureComparison, note: str) -> BarChart:
    sides = (measure.a, measure.b)
    labels = (comparison.a_label, comparison.b_label)
    return BarChart(
        key=f"groups.{measure.key}",
        title=measure.label,
        categories=[f"{label} (n = {len(side.values)})" for label, side in zip(labels, sides, strict=True)],
        series=[
            BarSeries(
                "mean over sessions, 95% bootstrap CI",
                [side.mean for side in sides],
                low=[_bound(side, 0) for side in sides],
                high=[_bound(side, 1) for side in sides],
            )
        ],
        ylabel=measure.label,
        note=note,
    )


def _bound(side: GroupValues, which: int) -> float | None:
    return None if side.ci is None else side.ci[which]


def group_tables(comparison: GroupComparison) -> list[Table]:
    groups = [
        [comparison.a_label, str(len(comparison.a_sessions)), ", ".join(comparison.a_sessions)],
        [comparison.b_label, str(len(comparison.b_sessions)), ", ".join(comparison.b_sessions)],
    ]
    tables = [
        Table("Groups", ["group", "sessions", "ids"], groups),
        Table(groups_title(comparison), groups_headers(comparison), groups_rows(comparison)),
    ]
    apart = [[comparison.a_label, label] for label in comparison.only_a] + [
        [comparison.b_label, label] for label in comparison.only_b
    ]
    if apart:
        tables.append(Table("Measured in one group only", ["group", "metric"], apart))
    if comparison.skipped:
        tables.append(Table("Skipped files", ["path", "why"], [list(item) for item in comparison.skipped]))
    return tables


def group_plots(comparison: GroupComparison) -> Plots:
    a, b = comparison.a_label, comparison.b_label
    return Plots(
        f"Compare groups: {a} | {b}",
        f"{a}: {len(comparison.a_sessions)} sessions · {b}: {len(comparison.b_sessions)} sessions",
        group_charts(comparison),
        group_tables(comparison),
    )
