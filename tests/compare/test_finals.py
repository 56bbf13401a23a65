"""A session's final measures: a round measure from the last round snapshot, a turn-only one
from the last turn's, identity and unknown keys left out, in catalogue order."""

from __future__ import annotations

from convscope.compare.finals import final_values, format_difference, format_mean, label_of
from convscope.core.metrics import catalogue as m
from convscope.core.snapshot import Snapshot


def test_a_round_measure_ends_at_the_last_round_a_turn_measure_at_the_last_turn() -> None:
    points = [
        Snapshot(0, 0, {m.TURN_INDEX.key: 0, m.ROUGE1.key: 0.9, m.LOOP_DISTANCE["bleu"].key: 0.4}),
        Snapshot(None, 0, {m.ROUND.key: 0, m.ROUGE1.key: 0.5, m.PROFILE_SIMILARITY.key: 0.7}),
        Snapshot(
            1, 1, {m.TURN_INDEX.key: 1, m.ROUGE1.key: 0.1, m.LOOP_DISTANCE["bleu"].key: 0.2, "retired.key": 3}
        ),
    ]
    assert final_values(points) == {
        m.ROUGE1.key: 0.5,  # the round's, not the later turn's
        m.LOOP_DISTANCE["bleu"].key: 0.2,
        m.PROFILE_SIMILARITY.key: 0.7,
    }
    assert list(final_values(points)) == [m.ROUGE1.key, m.LOOP_DISTANCE["bleu"].key, m.PROFILE_SIMILARITY.key]


def test_labels_name_the_agent_and_formats_follow_the_unit() -> None:
    assert label_of(m.CONFIDENCE_AGENT.of("a1"), {"a1": "Zed"}) == f"{m.CONFIDENCE_AGENT.label} (Zed)"
    assert format_difference(m.LOOP_ONSET.key, -3.0) == "-3"
    assert format_difference(m.LOOP_DETECTED.key, 1.0) == "+1"
    assert format_difference(m.ROUGE1.key, 0.25) == "+0.250"
    assert format_difference(m.ROUGE1.key, None) == ""
    assert format_mean(m.ROUGE_PAIRS.key, 20.4286) == "20.429"  # a mean count is no count
    assert format_mean(m.CONFIDENCE_MEAN.key, 0.01) == "+0.010"
