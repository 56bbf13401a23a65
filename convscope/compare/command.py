"""``convscope compare A B`` (two sessions) and ``convscope compare --a ... --b ...`` (two
groups): tables for people, ``--json`` or ``--csv`` for machines."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from functools import partial

from rich.console import Console

from convscope.compare.pair import compare_pair
from convscope.compare.render import (
    groups_csv,
    groups_json,
    pair_csv,
    pair_json,
    render_groups,
    render_pair,
)
from convscope.compare.sources import compare_two_groups
from convscope.core.errors import UserError
from convscope.printing import stdout_console
from convscope.sessions.store import SessionStore


def _print(args: argparse.Namespace, as_json: str, as_csv: str, tables: Callable[[Console], None]) -> None:
    """JSON or CSV (made already: cheap next to reading the sessions), or tables."""
    if args.json:
        sys.stdout.write(as_json)
    elif args.csv:
        sys.stdout.write(as_csv)
    else:
        tables(stdout_console())


def compare_command(args: argparse.Namespace) -> int:
    if args.json and args.csv:
        raise UserError("compare prints --json or --csv, not both")
    store = SessionStore()
    if args.a or args.b:
        if args.sessions:
            raise UserError("compare --a ... --b ... compares two groups and takes no session ids besides")
        groups = compare_two_groups(args.a, args.b, store, jobs=args.jobs)
        _print(args, groups_json(groups), groups_csv(groups), partial(render_groups, groups))
        return 0
    if len(args.sessions) != 2:
        raise UserError("compare takes two sessions (compare A B), or two groups (--a ... --b ...)")
    pair = compare_pair(store.load(args.sessions[0]), store.load(args.sessions[1]))
    _print(args, pair_json(pair), pair_csv(pair), partial(render_pair, pair))
    return 0
