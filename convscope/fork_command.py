"""``convscope fork``: branch a saved session at a turn and run the branch, in the TUI or headless.

The options say what the branch does differently; each is checked before anything is
written, and a mistake is one line on stderr with exit code 2 (the CLI's error boundary).
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from convscope.core.agent_option import parse_agent_change


def add_fork_command(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``fork`` with the ``convscope`` command's subcommands."""
    fork = sub.add_parser(
        "fork", help="branch a saved session at a turn: its turns before it verbatim, then live"
    )
    fork.add_argument("session", help="the parent: session id (or a unique prefix)")
    fork.add_argument(
        "--at",
        type=int,
        required=True,
        metavar="TURN",
        help="the first turn the branch runs itself (0 to the end)",
    )
    fork.add_argument(
        "--agent",
        action="append",
        default=[],
        metavar="'ID [SPEC] [setting=value ...]'",
        help="agent ID on another provider or with other settings (temperature, max_tokens...), repeatable",
    )
    fork.add_argument(
        "--rename", action="append", default=[], metavar="ID=NAME", help="rename at the branch turn"
    )
    fork.add_argument(
        "--fail",
        action="append",
        default=[],
        metavar="ID=MODE",
        help="inject a failure at the branch turn (decommissioned, crash-after:2...; none clears one)",
    )
    fork.add_argument(
        "--threshold",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a loop threshold (bleu=0.3...)",
    )
    fork.add_argument("--rounds", type=int, help="the branch's number of rounds")
    fork.add_argument("--headless", action="store_true", help="print the conversation instead of the TUI")
    fork.set_defaults(handler=fork_command)


def fork_command(args: argparse.Namespace) -> int:
    from convscope.core.preflight import check_models
    from convscope.runtime.fork import BranchChanges, fork_session
    from convscope.sessions.store import SessionStore

    store = SessionStore()
    parent = store.load(args.session)
    changes = BranchChanges.parse(
        renames=args.rename,
        failures=args.fail,
        thresholds=args.threshold,
        agents=tuple(parse_agent_change(text, parent.config.agents) for text in args.agent),
        rounds=args.rounds,
    )
    check_models(changes.config_for(parent.config))
    runtime = fork_session(parent, args.at, changes, store=store)
    print(f"branch {runtime.session_id} of {parent.id} at turn {args.at}", file=sys.stderr)
    if not args.headless:
        from convscope.tui.app import run_tui

        return run_tui(runtime=runtime)
    from convscope.headless.runner import run_printed

    asyncio.run(run_printed(runtime))
    print(f"saved as {runtime.session_id}", file=sys.stderr)
    return 0
