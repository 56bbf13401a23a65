"""A comparison for people (rich tables) and for machines (JSON, CSV).

Session text is model output: it goes into ``Text`` objects, never into markup, and is made
terminal-safe first.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from convscope.compare.align import TurnPair
from convscope.compare.finals import format_difference, format_final, format_mean
from convscope.compare.groups import GroupComparison, GroupValues, MeasureComparison
from convscope.compare.pair import PairComparison, Side
from convscope.core.records import Turn
from convscope.core.text import terminal_safe

FIRST_DIFFERENCE = "◀ first difference"
PREVIEW = 160  # characters of a turn's text in the transcript table


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1e}" if value < 0.001 else f"{value:.3f}"


def _ci(interval: tuple[float, float] | None) -> str:
    return "" if interval is None else f"[{interval[0]:.3f}, {interval[1]:.3f}]"


def _table(title: str, *headers: str) -> Table:
    return Table(*headers, title=title, title_justify="left", box=None, pad_edge=False)


def _side_line(name: str, side: Side) -> Text:
    document = side.document
    agents = ", ".join(side.names.values())
    return Text(
        f"{name}  {document.id}  {terminal_safe(document.config.title)}  "
        f"({document.config.protocol}, {len(document.turns)} turns, {terminal_safe(agents)})"
    )


def turn_text(turn: Turn | None, width: int = PREVIEW) -> str:
    """A turn as one line: who said what (or which error), cut to ``width`` characters."""
    if turn is None:
        return "—"
    said = f"error: {turn.error}" if turn.error is not None else turn.text
    line = f"{turn.nickname}: {' '.join(said.split())}"
    line = terminal_safe(line)
    return line if len(line) <= width else line[: width - 1] + "…"


def difference_parts(comparison: PairComparison) -> list[str]:
    """Where the two sessions part, and whether their metrics agree before, in words."""
    pair = comparison.alignment.first_different_pair
    parts = []
    if comparison.branch is not None:
        branch, at_turn = comparison.branch
        parent = "A" if branch == "B" else "B"
        parts.append(f"{branch} branches from {parent} at turn {at_turn}")
    if pair is None:
        parts.append("the transcripts are identical")
    else:
        parts.append(f"first difference at turn {pair.index} (round {pair.round})")
    agree = comparison.metrics_agree_before
    if agree is not None and (pair is not None or comparison.branch is not None):
        before = "the branch turn" if comparison.branch is not None else "it"
        said = "every metric is the same" if agree else "metrics differ"
        parts.append(f"{said} before {before}")
    return parts


def difference_line(comparison: PairComparison, separator: str = "; ") -> str:
    return separator.join(difference_parts(comparison))


def _pair_marker(position: int, first: int | None) -> str:
    return FIRST_DIFFERENCE if position == first else ""


def render_pair(comparison: PairComparison, console: Console) -> None:
    console.print(_side_line("A", comparison.a), soft_wrap=True)
    console.print(_side_line("B", comparison.b), soft_wrap=True)
    console.print(Text(difference_line(comparison), style="bold"))
    transcript = _table("\nTranscripts by round", "turn", "round", "A", "B", "")
    first = comparison.alignment.first_difference
    for position, pair in enumerate(comparison.alignment.pairs):
        b_text = "= same" if pair.same else turn_text(pair.b)
        transcript.add_row(
            Text(str(pair.index)),
            Text(str(pair.round)),
            Text(turn_text(pair.a)),
            Text(b_text),
            Text(_pair_marker(position, first), style="bold"),
        )
    console.print(transcript)
    table = _table("\nFinal metrics", "metric", "A", "B", "B - A")
    for row in comparison.metrics:
        table.add_row(
            Text(row.label),
            Text(format_final(row.key, row.a)),
            Text(format_final(row.key, row.b)),
            Text(format_difference(row.key, row.difference)),
        )
    console.print(table)


def _turn_json(turn: Turn | None) -> dict[str, Any] | None:
    if turn is None:
        return None
    return {"index": turn.index, "nickname": turn.nickname, "text": turn.text, "error": turn.error}


def _pair_json(pair: TurnPair) -> dict[str, Any]:
    return {
        "round": pair.round,
        "agent_id": pair.agent_id,
        "same": pair.same,
        "a": _turn_json(pair.a),
        "b": _turn_json(pair.b),
    }


def pair_json(comparison: PairComparison) -> str:
    pair = comparison.alignment.first_different_pair
    data = {
        "a": comparison.a.document.id,
        "b": comparison.b.document.id,
        "branch_point": None
        if comparison.branch is None
        else {"branch": comparison.branch[0], "turn": comparison.branch[1]},
        "first_difference": None if pair is None else {"turn": pair.index, "round": pair.round},
        "metrics_agree_before": comparison.metrics_agree_before,
        "metrics": [
            {"key": r.key, "label": r.label, "a": r.a, "b": r.b, "difference": r.difference}
            for r in comparison.metrics
        ],
        "turns": [_pair_json(p) for p in comparison.alignment.pairs],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _csv(rows: Iterable[dict[str, Any]]) -> str:
    lines = list(rows)
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, list(dict.fromkeys(k for line in lines for k in line)), lineterminator="\n"
    )
    writer.writeheader()
    writer.writerows(lines)
    return buffer.getvalue()


def pair_csv(comparison: PairComparison) -> str:
    """One row per metric: key, label, A's and B's final values, B - A."""
    return _csv(
        {"key": r.key, "label": r.label, "a": r.a, "b": r.b, "difference": r.difference}
        for r in comparison.metrics
    )


def _mean(values: GroupValues, key: str) -> str:
    return f"{format_mean(key, values.mean)} {_ci(values.ci)}".strip()


def _verdict(measure: MeasureComparison) -> str:
    return {True: "yes", False: "no", None: ""}[measure.significant]


def groups_title(comparison: GroupComparison) -> str:
    """What the group table holds, in words: the terminal's and the report's title."""
    a, b = comparison.a_label, comparison.b_label
    tested = sum(m.test is not None for m in comparison.measures)
    return (
        f"Final metrics, mean over sessions [95% bootstrap CI]; Mann-Whitney U of {a} against {b}, "
        f"p Holm-corrected over the {tested} metrics tested"
    )


def groups_headers(comparison: GroupComparison) -> list[str]:
    a, b = comparison.a_label, comparison.b_label
    return ["metric", "n", a, b, f"{b} - {a}", "U", "p", "p (Holm)", "r_rb", "Holm p < 0.05"]


def groups_rows(comparison: GroupComparison) -> list[list[str]]:
    """One row of cells per measure, as the terminal and the report show them."""
    rows = []
    for m in comparison.measures:
        test = m.test
        rows.append(
            [
                m.label,
                f"{len(m.a.values)}/{len(m.b.values)}",
                _mean(m.a, m.key),
                _mean(m.b, m.key),
                f"{format_difference(m.key, m.difference)} {_ci(m.difference_ci)}".strip(),
                "" if test is None else f"{test.U:g}",
                _p(None if test is None else test.p),
                _p(m.p_holm),
                "" if test is None else f"{test.rank_biserial:+.2f}",
                _verdict(m),
            ]
        )
    return rows


def render_groups(comparison: GroupComparison, console: Console) -> None:
    a, b = comparison.a_label, comparison.b_label
    console.print(
        Text(f"{a}: {len(comparison.a_sessions)} sessions    {b}: {len(comparison.b_sessions)} sessions")
    )
    table = _table(f"\n{groups_title(comparison)}", *groups_headers(comparison))
    for cells in groups_rows(comparison):
        table.add_row(*(Text(cell) for cell in cells))
    for column in table.columns[1:]:
        column.no_wrap = True
    console.print(table)
    for name, labels in ((a, comparison.only_a), (b, comparison.only_b)):
        if labels:
            console.print(Text(f"measured in {name} only: {', '.join(labels)}"), soft_wrap=True)
    for path, why in comparison.skipped:
        console.print(Text(f"skipped {path}: {why}"), soft_wrap=True)


def _measure_row(m: MeasureComparison) -> dict[str, Any]:
    test = m.test

    def side(values: GroupValues) -> dict[str, Any]:
        low, high = values.ci or (None, None)
        return {"n": len(values.values), "mean": values.mean, "ci_low": low, "ci_high": high}

    low, high = m.difference_ci or (None, None)
    return {
        "key": m.key,
        "label": m.label,
        **{f"a.{name}": value for name, value in side(m.a).items()},
        **{f"b.{name}": value for name, value in side(m.b).items()},
        "difference": m.difference,
        "difference.ci_low": low,
        "difference.ci_high": high,
        "U": None if test is None else test.U,
        "p": None if test is None else test.p,
        "rank_biserial": None if test is None else test.rank_biserial,
        "r": None if test is None else test.r,
        "p_holm": m.p_holm,
        "p_bonferroni": m.p_bonferroni,
        "significant": m.significant,
    }


def groups_json(comparison: GroupComparison) -> str:
    data = {
        "a": {"label": comparison.a_label, "sessions": comparison.a_sessions},
        "b": {"label": comparison.b_label, "sessions": comparison.b_sessions},
        "measures": [_measure_row(m) for m in comparison.measures],
        "only_a": comparison.only_a,
        "only_b": comparison.only_b,
        "skipped": [{"path": path, "reason": why} for path, why in comparison.skipped],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def groups_csv(comparison: GroupComparison) -> str:
    """One row per metric, the JSON's measure fields as columns."""
    return _csv(_measure_row(m) for m in comparison.measures)
