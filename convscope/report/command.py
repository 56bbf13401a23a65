"""``convscope report <session-or-folder> -o report.html [--png DIR]``, two sessions compared
(``convscope report --compare A B``), or two groups (``convscope report --a ... --b ...``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convscope.compare.group_plots import group_plots
from convscope.compare.pair import compare_pair
from convscope.compare.plots import compare_plots
from convscope.compare.sources import compare_two_groups
from convscope.core.errors import UserError
from convscope.corpus.command import DEFAULT_FIELD, is_corpus
from convscope.corpus.run import analyse_corpus
from convscope.plotdata import corpus_plots, session_plots
from convscope.plotdata.model import Plots
from convscope.report.html import write_report
from convscope.sessions.folders import find_sessions
from convscope.sessions.store import SessionStore


def _plots(args: argparse.Namespace) -> Plots:
    if args.a or args.b:
        if args.target or args.compare:
            raise UserError("report --a ... --b ... compares two groups and takes no other session or folder")
        return group_plots(compare_two_groups(args.a, args.b, SessionStore(), jobs=args.jobs))
    if args.compare:
        if args.target:
            raise UserError("report --compare A B takes no other session or folder")
        store = SessionStore()
        return compare_plots(compare_pair(*(store.load(ref) for ref in args.compare)))
    if not args.target:
        raise UserError("report needs a session, a folder of sessions, or --compare A B")
    if is_corpus(args.target):
        folder = Path(args.target).expanduser()
        paths = find_sessions(folder)
        if not paths:
            raise FileNotFoundError(f"no session in {folder}")
        analysis = analyse_corpus(paths, args.by or DEFAULT_FIELD, jobs=args.jobs)
        return corpus_plots(analysis, f"Corpus {folder.name}")
    document = SessionStore().load(args.target)
    return session_plots(document, embeddings=not args.no_embeddings)


def _check_destination(path: Path, *, folder: bool = False) -> None:
    """Refuse now, not after minutes of analysis, a place the report could never be written:
    a file where a folder is needed on the way, or a folder where the file should go."""
    if path.exists() and path.is_dir() != folder:
        raise UserError(f"cannot write {path}: it is a {'file' if folder else 'folder'}")
    ancestor = path.parent
    while not ancestor.exists():
        ancestor = ancestor.parent
    if not ancestor.is_dir():
        raise UserError(f"cannot write {path}: {ancestor} is a file")


def report_command(args: argparse.Namespace) -> int:
    output = Path(args.output).expanduser()
    png_dir = Path(args.png).expanduser() if args.png else None
    _check_destination(output)
    if png_dir is not None:
        _check_destination(png_dir, folder=True)
    plots = _plots(args)
    pngs = write_report(plots, output, png_dir=png_dir)
    print(f"wrote {output} ({len(plots.charts)} figures)", file=sys.stderr)
    for path in pngs:
        print(f"wrote {path}", file=sys.stderr)
    return 0
