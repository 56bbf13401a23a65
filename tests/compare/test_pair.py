"""Two sessions side by side: aligned turns, the first difference, and every catalogue
measure's final value in each with the difference."""

from __future__ import annotations

import csv
import io
import json

from rich.console import Console

from convscope.compare.pair import compare_pair
from convscope.compare.render import FIRST_DIFFERENCE, difference_line, pair_csv, pair_json, render_pair
from convscope.core.metrics import catalogue as m
from convscope.runtime.fork import fork_session
from convscope.sessions.store import SessionStore
from tests.compare.sessions import parent_and_branch
from tests.tui.support import TickClock, record_session, scripted_config


async def test_a_branch_and_its_parent_part_at_the_branch_turn_with_the_same_metrics_before_it() -> None:
    parent, branch = await parent_and_branch()
    comparison = compare_pair(parent, branch)
    assert comparison.branch == ("B", 3)
    assert compare_pair(branch, parent).branch == ("A", 3)
    assert comparison.first_difference_turn == 3
    assert all(pair.same for pair in comparison.alignment.pairs[:3])
    assert [pair.index for pair in comparison.alignment.pairs] == list(range(9))
    assert comparison.metrics_agree_before is True


async def test_an_unchanged_branch_is_marked_at_its_branch_turn_though_no_turn_differs() -> None:
    parent = await record_session(scripted_config(rounds=2))
    store = SessionStore()
    runtime = fork_session(parent.id, 2, store=store, clock=TickClock())
    await runtime.run()
    comparison = compare_pair(parent, store.load(runtime.session_id))

    assert comparison.first_difference_turn is None
    assert difference_line(comparison) == (
        "B branches from A at turn 2; the transcripts are identical; "
        "every metric is the same before the branch turn"
    )
    assert json.loads(pair_json(comparison))["branch_point"] == {"branch": "B", "turn": 2}


async def test_identical_sessions_have_no_first_difference_and_every_difference_is_zero() -> None:
    first = await record_session(scripted_config(rounds=2))
    second = await record_session(scripted_config(rounds=2))
    comparison = compare_pair(first, second)
    assert comparison.first_difference_turn is None
    numeric = [row for row in comparison.metrics if row.difference is not None]
    assert numeric and all(row.difference == 0 for row in numeric)


async def test_the_metric_table_is_the_catalogues_measures_with_its_labels_and_b_minus_a() -> None:
    short = await record_session(scripted_config(rounds=3), stop_after=4)
    full = await record_session(scripted_config(("Plan first.", "Budget: design 30%.", "Agreed."), rounds=3))
    comparison = compare_pair(short, full)
    rows = {row.key: row for row in comparison.metrics}
    assert m.TURN_INDEX.key not in rows and m.ROUND.key not in rows  # identity, not measures
    rouge = rows[m.ROUGE1.key]
    assert rouge.label == m.ROUGE1.label
    assert rouge.difference == rouge.b - rouge.a
    assert rows[m.CONFIDENCE_AGENT.of("a0")].label == f"{m.CONFIDENCE_AGENT.label} (Agent-A)"
    positions = [m.CATALOGUE.index(entry) for entry in map(m.metric, rows) if entry is not None]
    assert len(positions) == len(rows)
    assert positions == sorted(positions)


async def test_sessions_of_different_lengths_and_agent_counts_pair_what_they_share() -> None:
    trio = await record_session(scripted_config(rounds=2))
    duo = await record_session(scripted_config(("Plan first.", "Budget split."), rounds=3))
    comparison = compare_pair(trio, duo)
    pairs = comparison.alignment.pairs
    assert len(pairs) == 6 + 2  # rounds 0-1: three slots each; round 2: the duo's two turns
    only_a = [pair for pair in pairs if pair.b is None]
    only_b = [pair for pair in pairs if pair.a is None]
    assert [(p.round, p.agent_id) for p in only_a] == [(0, "a2"), (1, "a2")]
    assert [(p.round, p.agent_id) for p in only_b] == [(2, "a0"), (2, "a1")]
    assert comparison.first_difference_turn == 0  # the first turn's text already differs
    confidence_c = {row.key: row for row in comparison.metrics}[m.CONFIDENCE_AGENT.of("a2")]
    assert confidence_c.b is None and confidence_c.difference is None


async def test_json_csv_and_tables_say_the_same_thing() -> None:
    parent, branch = await parent_and_branch()
    comparison = compare_pair(parent, branch)
    data = json.loads(pair_json(comparison))
    assert data["first_difference"] == {"turn": 3, "round": 1}
    assert data["metrics_agree_before"] is True
    assert data["turns"][3]["b"]["nickname"] == "Zed" and data["turns"][3]["same"] is False
    rows = list(csv.DictReader(io.StringIO(pair_csv(comparison))))
    assert [row["key"] for row in rows] == [metric["key"] for metric in data["metrics"]]
    console = Console(record=True, width=160)
    render_pair(comparison, console)
    text = console.export_text()
    assert (
        "B branches from A at turn 3; first difference at turn 3 (round 1); "
        "every metric is the same before the branch turn" in text
    )
    marked = [line for line in text.splitlines() if FIRST_DIFFERENCE in line]
    assert len(marked) == 1 and "Zed:" in marked[0]
    assert m.PROFILE_SIMILARITY.label in text


async def test_agents_under_other_ids_are_paired_in_speaking_order_within_each_round() -> None:
    config = scripted_config(rounds=2)
    renamed = tuple(agent.model_copy(update={"id": f"x{i}"}) for i, agent in enumerate(config.agents))
    first = await record_session(config)
    second = await record_session(config.model_copy(update={"agents": renamed}))
    pairs = compare_pair(first, second).alignment.pairs
    assert [(p.a.index, p.b.index) for p in pairs if p.a and p.b] == [(i, i) for i in range(6)]
    assert len(pairs) == 6
