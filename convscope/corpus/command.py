"""``convscope analyze <folder> --by <field>``: the corpus tables, or JSON / CSV."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Literal

from convscope.core.errors import UserError
from convscope.corpus.render import render_tables, to_csv, to_json
from convscope.corpus.run import analyse_corpus
from convscope.printing import stdout_console
from convscope.sessions.folders import find_sessions

DEFAULT_FIELD = "series"

CorpusOutput = Literal["tables", "json", "csv"]


def is_corpus(target: str) -> bool:
    """A folder that is not itself one session folder."""
    path = Path(target).expanduser()
    return path.is_dir() and not (path / "snapshot.json").is_file()


def corpus_command(
    folder: Path,
    *,
    by: str | None = None,
    output: CorpusOutput = "tables",
    semantic: bool = False,
    jobs: int | None = None,
    versus: str | None = None,
) -> int:
    """Analyse every session under ``folder`` grouped by ``by``; print tables, JSON or CSV."""
    folder = folder.expanduser()
    paths = find_sessions(folder)
    if not paths:
        raise FileNotFoundError(
            f"no session in {folder}: import transcripts first (convscope import warroom <folder> --into DIR)"
        )
    progress = _progress if output == "tables" else None
    analysis = analyse_corpus(
        paths, by or DEFAULT_FIELD, semantic=semantic, jobs=jobs, versus=versus, progress=progress
    )
    if not analysis.rows:
        raise UserError(f"none of the {len(paths)} files under {folder} is a readable session")
    if output == "csv":
        sys.stdout.write(to_csv(analysis))
    elif output == "json":
        sys.stdout.write(to_json(analysis))
    else:
        render_tables(analysis, stdout_console())
    return 0


def _progress(done: int, total: int) -> None:
    end = "\n" if done == total else "\r"
    print(f"analysed {done}/{total} sessions", end=end, file=sys.stderr, flush=True)
