"""``convscope export --format parquet|otlp``: the formats that need this package's libraries."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convscope.integrations.sources import iter_sessions


def export_command(args: argparse.Namespace) -> int:
    """Parquet: one session or a folder of them into a folder. OTLP: one session into a file,
    with the completions only when ``--otlp-content`` asks for them."""
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
    if len(documents) > 1:
        raise ValueError(f"--format otlp exports one session; {args.session} holds {len(documents)}")
    from convscope.integrations.otel.otlp_file import otlp_json

    out.write_text(otlp_json(documents[0], content=args.otlp_content), encoding="utf-8")
    print(f"wrote {out}", file=sys.stderr)
    return 0
