"""A corpus analysis as tables for people, and as JSON or CSV for other tools.

The tables put the published War Room figures (when they apply) in their own columns
next to ours, marked "paper", so that the difference is read at a glance.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from dataclasses import asdict
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.lexical import ROUGE_TYPES
from convscope.core.metrics.stats import KruskalFlag
from convscope.corpus.groups import GroupStats
from convscope.corpus.paper import PaperSeries
from convscope.corpus.run import CorpusAnalysis


def _num(value: float | None, digits: int = 3) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "" if value is None else f"{100 * value:.1f}%"


def _p(value: float | None) -> str:
    if value is None:
        return "n/a"
    return f"{value:.1e}" if value < 0.001 else f"{value:.3f}"


def _similarity(group: GroupStats) -> str:
    text = _num(group.profile_similarity, 2)
    if group.profile_similarity_ci is not None:
        low, high = group.profile_similarity_ci
        text += f" [{low:.2f}, {high:.2f}]"
    return text


def _table(title: str, *headers: str) -> Table:
    return Table(*headers, title=title, title_justify="left", box=None, pad_edge=False)


def _row(table: Table, *cells: str) -> None:
    table.add_row(*(Text(cell) for cell in cells))


def _paper_number(published: PaperSeries, key: str, digits: int = 2) -> str:
    value = published.get(key)
    return _num(value, digits) if isinstance(value, float) else ""


def _sessions_table(analysis: CorpusAnalysis) -> Table:
    table = _table(
        f"Sessions by {analysis.by}",
        analysis.by,
        "sessions",
        "turns",
        "failed",
        "R-1",
        "R-2",
        "R-L",
        "confidence",
        "loops",
        "converged steps",
    )
    for name, g in analysis.groups.items():
        rouge = (_num(g.rouge[kind]) for kind in ROUGE_TYPES)
        _row(
            table,
            name,
            str(g.sessions),
            str(g.turns),
            str(g.failed_turns),
            *rouge,
            _num(g.confidence, 4),
            _pct(g.loop_share),
            _pct(g.converged_share),
        )
    return table


def _behaviour_table(analysis: CorpusAnalysis) -> Table:
    paper = analysis.paper
    extra = ("any (paper)", "COMP/run (paper)") if paper else ()
    table = _table(
        "Behaviour (rules coder): share of coded messages",
        analysis.by,
        "messages",
        *TRAITS,
        "any trait",
        "COMP/run",
        *extra,
    )
    for name, g in analysis.groups.items():
        published = paper.get(name, {})
        cells = [_pct(published.get("any_trait_share")), _paper_number(published, "comp_per_run")]
        shares = (_pct(g.trait_shares[flag]) for flag in TRAITS)
        _row(
            table,
            name,
            str(g.messages),
            *shares,
            _pct(g.any_trait_share),
            _num(g.comp_per_run, 2),
            *(cells if paper else []),
        )
    return table


def _similarity_table(analysis: CorpusAnalysis) -> Table:
    paper = analysis.paper
    versus = next((g.versus.reference for g in analysis.groups.values() if g.versus), None)
    headers = [*(["paper"] if paper else []), *([f"vs {versus}: U", "p", "r"] if versus else [])]
    table = _table(
        "Profile similarity: mean over sessions [95% bootstrap CI]",
        analysis.by,
        "sessions",
        "similarity",
        *headers,
    )
    for name, g in analysis.groups.items():
        cells = [_similarity(g)]
        if paper:
            published = paper.get(name, {})
            ci = published.get("profile_similarity_ci")
            bounds = f" [{ci[0]:.2f}, {ci[1]:.2f}]" if ci else ""
            cells.append(_paper_number(published, "profile_similarity") + bounds)
        if versus:
            test = g.versus
            cells += ["", "", ""] if test is None else [f"{test.U:.0f}", _p(test.p), f"{test.r:.2f}"]
        _row(table, name, str(g.similarity_sessions), *cells)
    return table


def _kruskal_cell(result: KruskalFlag | None) -> str:
    if not result or result["H"] is None:
        return "n/a"
    return f"{result['H']:.1f} ({_p(result['p_bonferroni'])})"


def _kruskal_table(analysis: CorpusAnalysis) -> Table:
    table = _table(
        "Kruskal-Wallis across agents, one share per agent and session: H (Bonferroni p)",
        analysis.by,
        *TRAITS,
    )
    for name, g in analysis.groups.items():
        _row(table, name, *(_kruskal_cell(g.kruskal.get(flag)) for flag in TRAITS))
        published = analysis.paper.get(name, {}).get("kruskal_h")
        if published:
            _row(table, f"{name} (paper)", *(f"{published[flag]:.1f}" for flag in TRAITS))
    return table


def render_tables(analysis: CorpusAnalysis, console: Console) -> None:
    for table in (
        _sessions_table(analysis),
        _behaviour_table(analysis),
        _similarity_table(analysis),
        _kruskal_table(analysis),
    ):
        console.print(table)
    for path, reason in analysis.skipped:
        console.print(Text(f"skipped {path}: {reason}"))


def _group_dict(group: GroupStats) -> dict[str, Any]:
    data = asdict(group)
    data["similarities"] = group.similarities
    return data


def to_json(analysis: CorpusAnalysis) -> str:
    data = {
        "by": analysis.by,
        "groups": {name: _group_dict(g) for name, g in analysis.groups.items()},
        "paper": analysis.paper,
        "sessions": [asdict(row) for row in analysis.rows],
        "skipped": [{"path": path, "reason": reason} for path, reason in analysis.skipped],
    }
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def _flat(prefix: str, value: Any) -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _flat(f"{prefix}.{key}" if prefix else str(key), item)
    elif isinstance(value, tuple | list) and len(value) == 2 and prefix.endswith("_ci"):
        yield f"{prefix}.low", value[0]
        yield f"{prefix}.high", value[1]
    elif not isinstance(value, list):
        yield prefix, value


def to_csv(analysis: CorpusAnalysis) -> str:
    """One row per group; nested values become ``a.b`` columns, paper figures ``paper.*``."""
    rows = []
    for name, group in analysis.groups.items():
        data = {key: value for key, value in asdict(group).items() if key != "similarities"}
        data["versus"] = data["versus"] or {}
        data["profile_similarity_ci"] = data["profile_similarity_ci"] or (None, None)
        row = dict(_flat("", data))
        if analysis.paper:
            row.update(_flat("paper", dict(analysis.paper.get(name, {}))))
        rows.append(row)
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, columns, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()
