"""The ``convscope`` command. Thin: parses arguments, calls core, sessions, the runner or the TUI.

Every user error (a ``ConvscopeError``, or an ``OSError`` such as a folder that cannot be
written) ends as one line on stderr and exit code 2, never a traceback. Anything else is a
bug in convscope: it keeps its traceback, under a line that says so, and exit code 1.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import traceback
from collections.abc import Sequence
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from convscope import __version__
from convscope.core.agent_option import parse_agent_option
from convscope.core.config import SessionConfig
from convscope.core.config_files import load_config, preset_names, validate_config
from convscope.core.errors import ConvscopeError, UserError
from convscope.core.preflight import check_models
from convscope.fork_command import add_fork_command
from convscope.sessions.pool import JOBS_HELP

if TYPE_CHECKING:
    from convscope.runtime.session import SessionObserverFactory

EXIT_USAGE = 2
GROUP_HELP = "a group: session ids, files, folders of sessions, or FOLDER:FIELD=VALUE (one sweep cell)"
EXIT_BUG = 1


def build_config(args: argparse.Namespace) -> SessionConfig:
    """The config a ``run`` asks for, validated all the way down to the provider keys."""
    config = load_config(args.config)
    changes: dict[str, object] = {}
    if args.rounds is not None:
        changes["rounds"] = args.rounds
    if args.agent:
        changes["agents"] = tuple(
            parse_agent_option(text, position) for position, text in enumerate(args.agent)
        )
    if args.clone:
        changes["agents"] = tuple(a.model_copy(update={"provider": args.clone}) for a in config.agents)
    if args.semantic:
        changes["semantic_metrics"] = True
    if args.turn_timeout is not None:
        changes["turn_timeout_s"] = args.turn_timeout
    if args.first_token_timeout is not None:
        changes["first_token_timeout_s"] = args.first_token_timeout
    if changes:
        config = validate_config({**config.model_dump(), **changes}, "command line")
    check_models(config)
    return config


def _run_headless(
    config: SessionConfig,
    args: argparse.Namespace,
    resume_id: str | None = None,
    *,
    retry_failed: bool = False,
) -> int:
    """Run (or continue) a session without the TUI; say where it was saved."""
    from convscope.headless.runner import run_headless

    writer = asyncio.run(
        run_headless(config, resume_id=resume_id, retry_failed=retry_failed, observers=_live_exports(args))
    )
    print(f"saved as {writer.session_id}", file=sys.stderr)
    return 0


def _live_exports(args: argparse.Namespace) -> list[SessionObserverFactory]:
    """The live OTLP export, when ``--otlp-endpoint`` or the OTel variables ask for one."""
    from convscope.integrations.otel.endpoint import live_endpoint

    endpoint = live_endpoint(args.otlp_endpoint)
    if endpoint is None:
        return []
    from convscope.integrations.otel.live import LiveTraceExporter

    return [partial(LiveTraceExporter, endpoint=endpoint, content=args.otlp_content)]


def cmd_run(args: argparse.Namespace) -> int:
    config = build_config(args)
    if args.headless:
        return _run_headless(config, args)
    from convscope.tui.app import run_tui

    return run_tui(config=config, observers=_live_exports(args))


def cmd_resume(args: argparse.Namespace) -> int:
    from convscope.sessions.store import SessionStore

    document = SessionStore().load(args.session)
    check_models(document.config)
    if args.headless:
        return _run_headless(document.config, args, resume_id=document.id, retry_failed=args.retry_failed)
    from convscope.tui.app import TuiMode, run_tui

    mode: TuiMode = "retry-failed" if args.retry_failed else "resume"
    return run_tui(session_id=document.id, mode=mode, observers=_live_exports(args))


def cmd_sessions(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from convscope.printing import stdout_console
    from convscope.sessions.branching import branch_mark, lineage_lines
    from convscope.sessions.store import SessionStore

    store = SessionStore()
    if args.action == "rm":
        store.delete(store.load(args.session).id)
        return 0
    if args.action == "show":
        document = store.load(args.session)
        print(document.model_dump_json(indent=2))
        for note in lineage_lines(document, store.list()):  # stdout stays one JSON document
            print(note, file=sys.stderr)
        return 0
    table = Table(box=None)
    table.add_column("id", no_wrap=True)  # ids are what people copy: never cut them
    table.add_column("date", no_wrap=True)
    table.add_column("status", no_wrap=True)
    table.add_column("turns", justify="right")
    table.add_column("protocol", no_wrap=True)
    table.add_column("title", overflow="ellipsis", max_width=40)
    table.add_column("agents", overflow="ellipsis")
    table.add_column("branch of", no_wrap=True)
    listing = store.listing()
    for summary in listing.sessions:
        date = datetime.fromtimestamp(summary.created_at).strftime("%Y-%m-%d %H:%M")
        table.add_row(
            summary.id,
            date,
            summary.status,
            str(summary.turns),
            summary.protocol,
            Text(summary.title),
            Text(", ".join(summary.agents)),
            branch_mark(summary),
        )
    console = stdout_console()
    console.print(table)
    for unreadable in listing.unreadable:
        line = Text.assemble(unreadable.id, ("  unreadable: ", "bold red"), unreadable.reason)
        console.print(line, soft_wrap=True)
    return 0


def cmd_cache(args: argparse.Namespace) -> int:
    from rich.table import Table
    from rich.text import Text

    from convscope.core.providers.local_cache import cache_entries, prune
    from convscope.core.providers.local_sources import models_folder
    from convscope.printing import stdout_console

    entries = cache_entries()
    stale = [entry for entry in entries if entry.stale]
    console = stdout_console()
    if args.prune:
        freed = prune(stale)
        console.print(f"deleted {len(stale)} stale entries of {models_folder()}, {_human_size(freed)} freed")
        return 0
    table = Table(box=None)
    table.add_column("entry", no_wrap=True)
    table.add_column("size", justify="right", no_wrap=True)
    table.add_column("read by / stale because", overflow="fold")
    for entry in entries:
        why = Text.assemble(("stale: ", "yellow"), entry.why_stale)
        status = Text(entry.reads_it) if entry.reads_it else why
        table.add_row(entry.path.name, _human_size(entry.size), status)
    console.print(f"{models_folder()}: {len(entries)} entries, {_human_size(sum(e.size for e in entries))}")
    if entries:
        console.print(table)
    if stale:
        console.print(
            f"{len(stale)} stale, {_human_size(sum(e.size for e in stale))}: `convscope cache --prune` "
            "deletes them (a later start prepares again what it needs)"
        )
    return 0


def _human_size(count: int) -> str:
    return f"{count / 1e9:.1f} GB" if count >= 1e9 else f"{count / 1e6:.0f} MB"


def cmd_export(args: argparse.Namespace) -> int:
    if args.format in ("parquet", "otlp"):
        from convscope.integrations.command import export_command

        return export_command(args)
    from convscope.sessions.export import export_session
    from convscope.sessions.store import SessionStore

    document = SessionStore().load(args.session)
    text = export_session(document, args.format, Path(args.output) if args.output else None)
    if text is not None:
        sys.stdout.write(text)
    return 0


def cmd_analyze(args: argparse.Namespace) -> int:
    from convscope.corpus.command import CorpusOutput, corpus_command, is_corpus

    if args.by or args.csv or is_corpus(args.target):
        if args.toxicity_model:
            raise UserError("--toxicity-model scores one session; a folder analysis has no toxicity")
        output: CorpusOutput = "csv" if args.csv else "json" if args.json else "tables"
        folder = Path(args.target)
        return corpus_command(
            folder, by=args.by, output=output, semantic=args.semantic, jobs=args.jobs, versus=args.versus
        )
    from convscope.analysis import analyze_command

    return analyze_command(args)


def cmd_import(args: argparse.Namespace) -> int:
    from convscope.sessions.importers import importer
    from convscope.sessions.importers.folder import import_folder, render_import
    from convscope.sessions.store import SessionStore

    store = SessionStore(Path(args.into).expanduser()) if args.into else SessionStore()
    outcome = import_folder(importer(args.format), Path(args.folder).expanduser(), store)
    sys.stdout.write(render_import(outcome, store))
    if not outcome.imported:
        raise UserError(f"no {args.format} transcript in {args.folder}")
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    from convscope.report.command import report_command

    return report_command(args)


def cmd_compare(args: argparse.Namespace) -> int:
    from convscope.compare.command import compare_command

    return compare_command(args)


def cmd_sweep(args: argparse.Namespace) -> int:
    from convscope.sweep.command import sweep_command

    out = Path(args.out) if args.out else None
    return sweep_command(Path(args.spec), out=out, concurrency=args.concurrency, ray_address=args.ray)


def _add_live_export(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="send the session's OpenTelemetry spans there as it runs, e.g. http://127.0.0.1:6006 "
        "(default: $OTEL_EXPORTER_OTLP_ENDPOINT)",
    )
    command.add_argument(
        "--otlp-content",
        action="store_true",
        help="with an OTLP endpoint: put the agents' replies in the spans",
    )


def _add_analyze(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    analyze = sub.add_parser("analyze", help="metrics of a session file or a folder of sessions")
    analyze.add_argument("target", help="session id, session file or folder")
    analyze.add_argument("--json", action="store_true", help="machine-readable output")
    analyze.add_argument("--by", metavar="FIELD", help="folder: group by this field (default series)")
    analyze.add_argument("--csv", action="store_true", help="folder: one CSV row per group")
    analyze.add_argument("--semantic", action="store_true", help="folder: add embedding distances to loops")
    analyze.add_argument("--jobs", type=int, help=f"folder: {JOBS_HELP}")
    analyze.add_argument("--versus", metavar="GROUP", help="folder: compare every group with this one")
    analyze.add_argument(
        "--toxicity-model",
        metavar="DIR",
        help="session: score toxicity with this local text-classification model folder "
        "(default: $CONVSCOPE_TOXICITY_MODEL; off without one)",
    )
    analyze.set_defaults(handler=cmd_analyze)


def _add_report(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    report = sub.add_parser(
        "report", help="a self-contained HTML report of a session or a folder of sessions"
    )
    report.add_argument("target", nargs="?", help="session id, session file, or folder of sessions")
    report.add_argument("--compare", nargs=2, metavar=("A", "B"), help="two sessions side by side instead")
    report.add_argument(
        "--a", nargs="+", metavar="SESSIONS", help=f"two groups compared instead; {GROUP_HELP}"
    )
    report.add_argument("--b", nargs="+", metavar="SESSIONS", help="the other group, as --a")
    report.add_argument(
        "-o", "--output", default="report.html", help="HTML file to write (default report.html)"
    )
    report.add_argument("--png", metavar="DIR", help="also write every figure as a PNG file")
    report.add_argument("--by", metavar="FIELD", help="folder: group by this field (default series)")
    report.add_argument("--jobs", type=int, help=f"folder: {JOBS_HELP}")
    report.add_argument("--no-embeddings", action="store_true", help="session: skip the MiniLM plots")
    report.set_defaults(handler=cmd_report)


def _add_compare(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    compare = sub.add_parser("compare", help="two sessions side by side, or two groups of sessions")
    compare.add_argument("sessions", nargs="*", metavar="SESSION", help="two session ids or files")
    compare.add_argument("--a", nargs="+", metavar="SESSIONS", help=GROUP_HELP)
    compare.add_argument("--b", nargs="+", metavar="SESSIONS", help="the other group, as --a")
    compare.add_argument("--json", action="store_true", help="machine-readable output")
    compare.add_argument("--csv", action="store_true", help="one CSV row per metric")
    compare.add_argument("--jobs", type=int, help=f"groups: {JOBS_HELP}")
    compare.set_defaults(handler=cmd_compare)


def _add_sweep(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    sweep = sub.add_parser("sweep", help="run many sessions headless: a grid of settings times seeds")
    sweep.add_argument("spec", help="a sweep .toml file")
    sweep.add_argument("--out", help="the sweep folder (default: <data dir>/sweeps/<name>); rerun to resume")
    sweep.add_argument("--concurrency", type=int, help="sessions at once (default: the file's)")
    sweep.add_argument("--ray", metavar="ADDRESS", help="run sessions as Ray tasks (auto, ray://..., local)")
    sweep.set_defaults(handler=cmd_sweep)


def cmd_replay(args: argparse.Namespace) -> int:
    from convscope.sessions.store import SessionStore
    from convscope.tui.app import run_tui

    return run_tui(session_id=SessionStore().load(args.session).id, mode="replay")


def cmd_home(_: argparse.Namespace) -> int:
    from convscope.tui.app import run_tui

    return run_tui(mode="home")


def parser() -> argparse.ArgumentParser:
    root = argparse.ArgumentParser(prog="convscope", description="A terminal observatory for LLM agents.")
    root.add_argument("--version", action="version", version=f"convscope {__version__}")
    root.set_defaults(handler=cmd_home)
    sub = root.add_subparsers(dest="command")

    run = sub.add_parser("run", help="start a session from a preset or a TOML file")
    run.add_argument("config", help=f"a preset ({', '.join(preset_names())}) or a .toml file")
    run.add_argument("--headless", action="store_true", help="print the conversation instead of the TUI")
    run.add_argument("--rounds", type=int, help="override the number of rounds")
    run.add_argument(
        "--agent",
        action="append",
        metavar="SPEC",
        help="'[nickname=]provider [setting=value ...]' (key_env, base_url, temperature...), repeatable",
    )
    run.add_argument("--clone", metavar="SPEC", help="clone mode: every agent uses this provider")
    run.add_argument(
        "--semantic", action="store_true", help="live MiniLM distances in loop detection (CPU: ~65 ms a turn)"
    )
    run.add_argument(
        "--first-token-timeout", type=float, metavar="S", help="fail a turn with no token after S seconds"
    )
    run.add_argument("--turn-timeout", type=float, metavar="S", help="cut a turn longer than S seconds")
    _add_live_export(run)
    run.set_defaults(handler=cmd_run)

    resume = sub.add_parser("resume", help="continue a saved session after its last completed turn")
    resume.add_argument("session", help="session id (or a unique prefix)")
    resume.add_argument("--headless", action="store_true")
    resume.add_argument(
        "--retry-failed", action="store_true", help="first run the failed turns again (the server is back)"
    )
    _add_live_export(resume)
    resume.set_defaults(handler=cmd_resume)

    sessions = sub.add_parser("sessions", help="list, show or delete saved sessions")
    sessions.add_argument("action", choices=["list", "show", "rm"], nargs="?", default="list")
    sessions.add_argument("session", nargs="?", help="session id for show / rm")
    sessions.set_defaults(handler=cmd_sessions)

    cache = sub.add_parser("cache", help="the prepared local models: what is read, what is stale")
    cache.add_argument("--prune", action="store_true", help="delete the entries nothing reads any more")
    cache.set_defaults(handler=cmd_cache)

    export = sub.add_parser("export", help="export a session (parquet: also a folder of sessions)")
    export.add_argument("session", help="session id, session file; parquet: also a folder of sessions")
    export.add_argument("--format", choices=["json", "jsonl", "md", "csv", "parquet", "otlp"], default="json")
    export.add_argument(
        "-o", "--output", help="file to write (default: standard output); parquet: a folder; otlp: a file"
    )
    export.add_argument(
        "--otlp-endpoint",
        metavar="URL",
        help="otlp: send the trace to this OTLP/HTTP endpoint (Phoenix...)",
    )
    export.add_argument(
        "--otlp-content",
        action="store_true",
        help="otlp: put the agents' replies in the spans (default: off)",
    )
    export.set_defaults(handler=cmd_export)

    _add_analyze(sub)

    importing = sub.add_parser("import", help="turn external transcripts into sessions")
    importing.add_argument("format", help="transcript format: warroom")
    importing.add_argument("folder", help="folder of transcripts (searched recursively)")
    importing.add_argument("--into", metavar="DIR", help="session store folder (default: the user's store)")
    importing.set_defaults(handler=cmd_import)

    for add in (_add_report, _add_sweep, _add_compare):
        add(sub)

    add_fork_command(sub)
    _add_replay(sub)
    return root


def _add_replay(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    replay = sub.add_parser("replay", help="replay a saved session in the TUI, with no model calls")
    replay.add_argument("session")
    replay.set_defaults(handler=cmd_replay)


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if getattr(args, "action", None) in ("show", "rm") and not args.session:
        return _fail("sessions show/rm needs a session id")
    try:
        return int(args.handler(args))
    except KeyboardInterrupt:
        print("interrupted; completed turns are saved", file=sys.stderr)
        return 130
    except (ConvscopeError, OSError) as exc:
        return _fail(" ".join(str(exc).split()) or type(exc).__name__)
    except Exception:
        traceback.print_exc()
        print(
            "convscope: internal error: this is a bug in convscope, not in what you asked; "
            "please report it with the traceback above",
            file=sys.stderr,
        )
        return EXIT_BUG


def _fail(message: str) -> int:
    print(f"convscope: error: {message}", file=sys.stderr)
    return EXIT_USAGE


if __name__ == "__main__":
    raise SystemExit(main())
