"""``convscope analyze``: one session's metrics as tables (or JSON), from the saved record."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.toxicity import load_toxicity_scorer
from convscope.plotdata.report import format_value
from convscope.sessions.recorded import recorded_scores
from convscope.sessions.store import SessionStore


def _section(title: str, rows: Mapping[str, Any] | list[tuple[Any, ...]], *headers: str) -> Group:
    """A bold heading over a borderless table (a table's own title wraps to the table's width)."""
    table = Table(*headers, box=None, pad_edge=False, show_header=any(headers))
    items = rows.items() if isinstance(rows, Mapping) else rows
    for row in items:
        table.add_row(*(Text(format_value(cell)) for cell in row))
    return Group(Text(f"\n{title}", style="bold"), table)


def render_summary(summary: dict[str, Any], console: Console) -> None:
    """The human view of :func:`session_summary`: one small table per family of measures."""
    console.print(_section("Session", summary["session"], "", ""))
    rouge = summary["rouge"]
    by_round = [(str(r["round"]), r["rouge1"], r["rouge2"], r["rougeL"]) for r in rouge["by_round"]]
    console.print(_section("ROUGE F between agents, by round", by_round, "round", "R-1", "R-2", "R-L"))
    confidence = summary["confidence"]
    console.print(
        _section(
            "Confidence (certainty - hedging) / tokens",
            {**confidence["by_agent"], "mean": confidence["mean"]},
            "agent",
            "score",
        )
    )
    loop = summary["loop"]
    console.print(_section("Loop detection", {k: v for k, v in loop.items() if k != "thresholds"}, "", ""))
    stability = [
        (agent, values["identical"], values["retention"], summary["self_consistency"].get(agent))
        for agent, values in summary["stability"].items()
    ]
    console.print(
        _section(
            "Stability between an agent's consecutive outputs",
            stability,
            "agent",
            "identical",
            "token retention",
            "TF-IDF self-consistency",
        )
    )
    behaviour = summary.get("behaviour")
    if behaviour:
        traits = list(next(iter(behaviour["profiles"].values()), {}).keys())
        profile_rows = [(agent, *(p[t] for t in traits)) for agent, p in behaviour["profiles"].items()]
        console.print(
            _section("Behaviour profiles (share of messages, rules coder)", profile_rows, "agent", *traits)
        )
        console.print(
            _section(
                "Behaviour",
                {
                    "profile similarity": behaviour["profile_similarity"],
                    "any-trait share": behaviour["any_trait_share"],
                    **{f"COMP {level}": count for level, count in behaviour["comp_events"].items()},
                },
                "",
                "",
            )
        )
    _render_toxicity(summary["toxicity"], console)


def _render_toxicity(toxicity: dict[str, Any], console: Console) -> None:
    if not toxicity["available"]:
        console.print(Text(f"\ntoxicity: not available: {toxicity['reason']}"), soft_wrap=True)
        return
    rows = {**toxicity["by_agent"], "max": toxicity["max"], "share over 0.5": toxicity["share_over_0_5"]}
    title = f"Toxicity, P({toxicity['label']}) by {toxicity['model']}, mean per agent"
    console.print(_section(title, rows, "agent", "score"))


def analyze_command(args: argparse.Namespace) -> int:
    """Print the metrics of one session (an id, a unique id prefix, a session folder or file)."""
    document = SessionStore().load(args.target)
    toxicity = load_toxicity_scorer(args.toxicity_model)  # an unusable folder: a ValueError, one line
    summary = session_summary(
        document.config,
        document.turns,
        controls=document.controls,
        toxicity=toxicity,
        recorded_scores=recorded_scores(document),
    )
    if args.json:
        print(json.dumps({"id": document.id, **summary}, indent=2, default=str))
    else:
        console = Console(highlight=False)
        console.print(Text(f"{document.id}  {document.config.title}", style="bold"))
        render_summary(summary, console)
    return 0
