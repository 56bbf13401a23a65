"""``convscope analyze``: one session's metrics as tables (or JSON), from the saved record."""

from __future__ import annotations

import argparse
import json
from collections.abc import Mapping
from typing import Any

from rich.console import Console, Group
from rich.table import Table
from rich.text import Text

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.catalogue import format_value
from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.summary_model import MetricsSummary
from convscope.core.metrics.toxicity import load_toxicity_scorer
from convscope.printing import stdout_console
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.store import SessionStore


def _section(title: str, rows: Mapping[str, Any] | list[tuple[Any, ...]], *headers: str) -> Group:
    """A bold heading over a borderless table (a table's own title wraps to the table's width)."""
    table = Table(*headers, box=None, pad_edge=False, show_header=any(headers))
    items = rows.items() if isinstance(rows, Mapping) else rows
    for row in items:
        table.add_row(*(Text(format_value(cell)) for cell in row))
    return Group(Text(f"\n{title}", style="bold"), table)


def render_summary(summary: MetricsSummary, console: Console) -> None:
    """The human view of :func:`session_summary`: one small table per family of measures."""
    console.print(_section("Session", summary.session.model_dump(), "", ""))
    by_round = [(str(r.round), *(getattr(r, entry.key) for entry in m.ROUGE)) for r in summary.rouge.by_round]
    console.print(_section("ROUGE F between agents, by round", by_round, "round", "R-1", "R-2", "R-L"))
    confidence = summary.confidence
    console.print(
        _section(
            "Confidence (certainty - hedging) / tokens",
            {**confidence.by_agent, "mean": confidence.mean},
            "agent",
            "score",
        )
    )
    console.print(_section("Loop detection", summary.loop.model_dump(exclude={"thresholds"}), "", ""))
    stability = [
        (agent, values.identical, values.retention, summary.self_consistency.get(agent))
        for agent, values in summary.stability.items()
    ]
    console.print(
        _section(
            "Stability between an agent's consecutive outputs",
            stability,
            "agent",
            "identical",
            m.STABILITY_RETENTION.label,
            "TF-IDF self-consistency",
        )
    )
    behaviour = summary.behaviour
    if behaviour:
        profile_rows = [(agent, *(p[t] for t in TRAITS)) for agent, p in behaviour.profiles.items()]
        console.print(
            _section("Behaviour profiles (share of messages, rules coder)", profile_rows, "agent", *TRAITS)
        )
        console.print(
            _section(
                "Behaviour",
                {
                    m.PROFILE_SIMILARITY.label: behaviour.profile_similarity,
                    m.BEHAVIOUR_ANY.label: behaviour.any_trait_share,
                    **{f"COMP {level}": count for level, count in behaviour.comp_events.items()},
                },
                "",
                "",
            )
        )
    _render_toxicity(summary.toxicity, console)


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
        print(json.dumps({"id": document.id, **summary.as_json()}, indent=2))
    else:
        console = stdout_console()
        console.print(Text(f"{document.id}  {document.config.title}", style="bold"))
        render_summary(summary, console)
    return 0
