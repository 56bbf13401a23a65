"""The metric catalogue names every key a session's snapshots carry, with the scope it has."""

from __future__ import annotations

import pytest

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.catalogue import (
    CATALOGUE,
    CONFIDENCE_AGENT,
    CONFIDENCE_MEAN,
    LOOP_DISTANCE,
    ROUGE1,
    Metric,
    label,
    metric,
)
from convscope.core.metrics.tracker import Snapshot
from convscope.core.protocols import tracker_for
from convscope.core.records import Turn
from tests.core.metrics.test_tracker import GROUP
from tests.core.protocols.support import make_config


def snapshots(protocol: str, providers: list[str], turns: list[Turn], **options: object) -> list[Snapshot]:
    config = make_config(protocol, providers, options=options)
    return tracker_for(config).run(turns)


def every_snapshot() -> list[Snapshot]:
    """A group chat with a crash (behaviour, confidence, loops) and an opinion network (scores,
    disagreement, the DeGroot theory): between them, every key the tracker emits."""
    network = [
        Turn(index=i, round=i // 2, agent_id=f"a{i % 2}", nickname=f"N{i % 2}", model="degroot",
             text=f"My opinion: 0.{i + 2}", started_at=0.0, ended_at=0.0)
        for i in range(4)
    ]  # fmt: skip
    group = [turn.model_copy(update={"agent_id": f"a{'abc'.index(turn.agent_id)}"}) for turn in GROUP]
    return [
        *snapshots("group_chat", ["scripted:echo"] * 3, group),
        *snapshots("network", ["degroot:4"] * 2, network, graph="complete", scorer="pattern"),
    ]


def test_every_key_the_tracker_emits_is_in_the_catalogue_with_its_scope() -> None:
    seen = 0
    for snapshot in every_snapshot():
        scope = "round" if snapshot.turn_index is None else "turn"
        for key in snapshot.values:
            entry = metric(key)
            assert entry is not None, f"{key} is not in the catalogue"
            assert scope in entry.scopes, f"{key} is reported by a {scope} but not catalogued so"
            seen += 1
    assert seen > 100


def test_a_per_agent_key_finds_its_pattern_and_nothing_else_matches_by_accident() -> None:
    assert metric("confidence.a0") is CONFIDENCE_AGENT
    assert metric("confidence.mean") is CONFIDENCE_MEAN
    assert CONFIDENCE_AGENT.of("b") == "confidence.b"
    assert metric("confidence.a.b") is None and metric("nonsense") is None
    assert label("nonsense") == "nonsense" and label("rouge1") == "ROUGE-1"


def test_keys_are_unique_and_each_threshold_is_a_catalogued_key() -> None:
    keys = [entry.key for entry in CATALOGUE]
    assert len(keys) == len(set(keys))
    thresholds = [entry.threshold for entry in CATALOGUE if entry.threshold]
    assert thresholds and all(metric(key) is not None for key in thresholds)
    assert all(len(entry.short) <= 9 for entry in CATALOGUE)


@pytest.mark.parametrize(
    ("entry", "value", "shown"),
    [
        (ROUGE1, 0.25, "0.250"),
        (ROUGE1, None, "n/a"),
        (CONFIDENCE_MEAN, 0.125, "+0.125"),
        (LOOP_DISTANCE["bleu"], True, "yes"),
    ],
)
def test_a_metric_formats_its_values_as_its_unit_says(entry: Metric, value: object, shown: str) -> None:
    assert entry.format(value) == shown


def test_the_rouge_scores_and_their_pair_count_are_one_family() -> None:
    assert {entry.family for entry in (*m.ROUGE, m.ROUGE_PAIRS)} == {"rouge"}


def test_a_measure_stands_by_round_when_it_has_rounds_and_shows_first_in_its_turns() -> None:
    """Final values and compare charts read a measure where it stands, alarms where it
    changes first: one rule, owned by the catalogue entry."""
    assert (CONFIDENCE_MEAN.standing_scope, CONFIDENCE_MEAN.earliest_scope) == ("round", "turn")
    assert (m.OPINION_SCORE.standing_scope, m.OPINION_SCORE.earliest_scope) == ("turn", "turn")
    assert (m.ROUND.standing_scope, m.ROUND.earliest_scope) == ("round", "round")
