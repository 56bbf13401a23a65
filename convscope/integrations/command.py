"""``convscope export --format parquet|otlp``: the formats that need this package's libraries."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from convscope.core.errors import UserError
from convscope.integrations.sources import iter_sessions
from convscope.sessions.schema import SessionDocument


def export_command(args: argparse.Namespace) -> int:
    """Parquet: one session or a folder of them into a folder. OTLP: one session into a file
    and/or to an endpoint, with the replies only when ``--otlp-content`` asks for them."""
    if args.format == "parquet" and not args.output:
        raise UserError("--format parquet writes a folder: give it with -o")
    if args.format == "otlp" and not (args.output or args.otlp_endpoint):
        raise UserError("--format otlp writes a file (-o) or sends to an endpoint (--otlp-endpoint)")
    documents = list(iter_sessions(args.session))
    if not documents:
        raise UserError(f"no session in {args.session}")
    if args.format == "parquet":
        from convscope.integrations.parquet import write_parquet

        for path in write_parquet(documents, Path(args.output).expanduser()):
            print(f"wrote {path}", file=sys.stderr)
        return 0
    if len(documents) > 1:
        raise UserError(f"--format otlp exports one session; {args.session} holds {len(documents)}")
    return _export_otlp(documents[0], args)


def _export_otlp(document: SessionDocument, args: argparse.Namespace) -> int:
    from convscope.integrations.otel.endpoint import traces_url
    from convscope.integrations.otel.otlp_file import otlp_json, send_session

    if args.output:
        out = Path(args.output).expanduser()
        out.write_text(otlp_json(document, content=args.otlp_content), encoding="utf-8")
        print(f"wrote {out}", file=sys.stderr)
    if args.otlp_endpoint:
        url = traces_url(args.otlp_endpoint)
        send_session(document, url, content=args.otlp_content)
        print(f"sent session {document.id} to {url}", file=sys.stderr)
    return 0
