"""A corpus analysis as charts and tables: one bar per group, the published figure beside it."""

from __future__ import annotations

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.behaviour import TRAITS
from convscope.corpus.groups import GroupStats
from convscope.corpus.paper import PaperSeries
from convscope.corpus.run import CorpusAnalysis
from convscope.plotdata.model import BarChart, BarSeries, Chart, Plots, Table


def _paper(analysis: CorpusAnalysis, key: str) -> BarSeries | None:
    values = [analysis.paper.get(group, PaperSeries()).get(key) for group in analysis.groups]
    numbers = [value if isinstance(value, float) else None for value in values]
    return BarSeries("paper", numbers, kind="reference") if any(v is not None for v in numbers) else None


def _with_paper(measured: BarSeries, analysis: CorpusAnalysis, key: str) -> list[BarSeries]:
    reference = _paper(analysis, key)
    return [measured] if reference is None else [measured, reference]


def similarity_chart(analysis: CorpusAnalysis) -> BarChart:
    groups = list(analysis.groups.values())
    ci = [g.profile_similarity_ci for g in groups]
    measured = BarSeries(
        "rules coder",
        [g.profile_similarity for g in groups],
        low=[None if c is None else c[0] for c in ci],
        high=[None if c is None else c[1] for c in ci],
    )
    return BarChart(
        "similarity", "Profile similarity (mean pairwise cosine, 95% bootstrap CI)", list(analysis.groups),
        _with_paper(measured, analysis, "profile_similarity"), "cosine",
        note="higher: agents behave more alike",
    )  # fmt: skip


def any_trait_chart(analysis: CorpusAnalysis) -> BarChart:
    measured = BarSeries("rules coder", [g.any_trait_share for g in analysis.groups.values()])
    return BarChart(
        "any-trait", "Share of messages with any trait flag", list(analysis.groups),
        _with_paper(measured, analysis, "any_trait_share"), "share",
    )  # fmt: skip


def trait_chart(analysis: CorpusAnalysis) -> BarChart:
    series = [BarSeries(flag, [g.trait_shares[flag] for g in analysis.groups.values()]) for flag in TRAITS]
    return BarChart(
        "traits", "Share of messages with each trait flag", list(analysis.groups), series, "share"
    )


def comp_chart(analysis: CorpusAnalysis) -> BarChart:
    measured = BarSeries("rules coder", [g.comp_per_run for g in analysis.groups.values()])
    return BarChart(
        "comp", "Compensation (COMP) messages per run", list(analysis.groups),
        _with_paper(measured, analysis, "comp_per_run"), "per run",
    )  # fmt: skip


def lexical_chart(analysis: CorpusAnalysis) -> BarChart:
    groups = list(analysis.groups.values())
    series = [
        *(BarSeries(entry.label, [g.rouge[entry.key] for g in groups]) for entry in (m.ROUGE1, m.ROUGEL)),
        BarSeries("sessions with a loop", [g.loop_share for g in groups]),
    ]
    return BarChart("lexical", "Overlap between agents and loops", list(analysis.groups), series, "value")


def _row(name: str, g: GroupStats, paper: PaperSeries) -> list[str]:
    def number(value: float | None, digits: int = 2) -> str:
        return "n/a" if value is None else f"{value:.{digits}f}"

    ci = g.profile_similarity_ci
    similarity = number(g.profile_similarity) + ("" if ci is None else f" [{ci[0]:.2f}, {ci[1]:.2f}]")
    any_share = "n/a" if g.any_trait_share is None else f"{100 * g.any_trait_share:.1f}%"
    published_any = paper.get("any_trait_share")
    return [
        name,
        str(g.sessions),
        str(g.messages),
        similarity,
        number(paper.get("profile_similarity")) if "profile_similarity" in paper else "",
        any_share,
        "" if published_any is None else f"{100 * published_any:.1f}%",
        number(g.comp_per_run),
        "" if g.versus is None else f"p = {g.versus.p:.2g}, r = {g.versus.r:.2f}",
    ]


def corpus_plots(analysis: CorpusAnalysis, title: str) -> Plots:
    charts: list[Chart] = [
        similarity_chart(analysis), any_trait_chart(analysis), trait_chart(analysis), comp_chart(analysis),
        lexical_chart(analysis),
    ]  # fmt: skip
    versus = next((g.versus.reference for g in analysis.groups.values() if g.versus), None)
    headers = [
        analysis.by, "sessions", "messages", "similarity [CI]", "similarity (paper)", "any trait",
        "any trait (paper)", "COMP/run",
        f"vs {versus}" if versus else "",
    ]  # fmt: skip
    rows = [_row(name, g, analysis.paper.get(name, PaperSeries())) for name, g in analysis.groups.items()]
    tables = [Table(f"Groups by {analysis.by}", headers, rows)]
    if analysis.skipped:
        tables.append(
            Table("Skipped files", ["file", "why"], [[path, why] for path, why in analysis.skipped])
        )
    subtitle = f"{len(analysis.rows)} sessions grouped by {analysis.by}"
    return Plots(title, subtitle, charts, tables)
