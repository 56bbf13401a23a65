"""Boiling each session of a folder down to a row (in worker processes, ``sessions.pool``) and
the rows to group statistics."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from convscope.corpus.groups import GroupStats, compare_to, group_rows
from convscope.corpus.paper import PAPER, PAPER_REFERENCE, PaperSeries
from convscope.corpus.sessions import SessionRow, row_of_path
from convscope.sessions.pool import map_sessions

Progress = Callable[[int, int], None]  # (done, total)


@dataclass(frozen=True)
class CorpusAnalysis:
    by: str
    rows: list[SessionRow]
    groups: dict[str, GroupStats]
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)
    paper: dict[str, PaperSeries] = field(default_factory=dict)  # published figures, when they apply


def analyse_corpus(
    paths: Iterable[Path],
    by: str,
    *,
    semantic: bool = False,
    jobs: int | None = None,
    versus: str | None = None,
    progress: Progress | None = None,
) -> CorpusAnalysis:
    """Every session in ``paths`` grouped by the field ``by``; see ``convscope.corpus.groups``.

    ``versus`` names a reference group for the Mann-Whitney comparisons. The published War
    Room figures come along when the sessions are War Room imports grouped by series, and
    the comparisons are then against Series A unless ``versus`` says otherwise.
    """
    targets = list(paths)
    rows: list[SessionRow] = []
    skipped: list[tuple[str, str]] = []
    work = partial(row_of_path, by=by, semantic=semantic)
    for done, result in enumerate(map_sessions(work, targets, jobs), 1):
        if isinstance(result, SessionRow):
            rows.append(result)
        else:
            skipped.append(result)
        if progress is not None:
            progress(done, len(targets))
    groups = group_rows(rows)
    warroom = by == "series" and bool(rows) and all(row.source == "warroom" for row in rows)
    if versus is None and warroom and PAPER_REFERENCE in groups:
        versus = PAPER_REFERENCE
    if versus is not None:
        groups = compare_to(groups, versus)
    paper = {name: PAPER[name] for name in groups if name in PAPER} if warroom else {}
    return CorpusAnalysis(by, rows, groups, skipped, paper)
