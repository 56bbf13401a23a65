"""``convscope export --format parquet|otlp``: the formats that need this package's libraries."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convscope.integrations.sources import iter_sessions

FORMATS = ("parquet", "otlp")


def export_command(args: argparse.Namespace) -> int:
    """Parquet: one session or a folder of them into a folder. OTLP: one session into a file."""
    if not args.output:
        what = "a folder" if args.format == "parquet" else "a file"
        raise ValueError(f"--format {args.format} writes {what}: give it with -o")
    documents = list(iter_sessions(args.session))
    if not documents:
        raise ValueError(f"no session in {args.session}")
    out = Path(args.output).expanduser()
    if args.format == "parquet":
        from convscope.integrations.parquet import write_parquet

        for path in write_parquet(documents, out):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    raise ValueError(f"unknown export format {args.format!r}")
