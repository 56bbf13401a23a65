"""The incremental tracker: the keys the TUI reads, live == replay, and each measure's wiring."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.metrics.confidence import confidence_score
from convscope.core.metrics.lexical import rouge_pairwise
from convscope.core.metrics.opinion import parse_stated_opinion
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.records import ThresholdsChanged, Turn
from convscope.core.snapshot import Snapshot

NICKNAMES = {"a": "Agent-A", "b": "Agent-B", "c": "Agent-C"}
DECOMMISSIONED = (
    "⚠ The model `deepseek-r1-distill-llama-70b` has been decommissioned and is no longer supported."
)
LOOP = "and then they said the same thing again and again and again"
# Near repetitions, never exact: BLEU distances 0.1-0.42 between any two of them.
VARIANTS = [
    "and then they said the very same thing again and again and again",
    "and then they all said the same thing again and again and again",
    "and then they said the same old thing again and again and again",
    "so then they said the same thing again and again and again",
    LOOP,
]


def turn(index: int, round_index: int, agent: str, text: str = "", *, error: str | None = None) -> Turn:
    return Turn(
        index=index,
        round=round_index,
        agent_id=agent,
        nickname=NICKNAMES[agent],
        model=f"groq:{'deepseek-r1-distill-llama-70b' if agent == 'c' else 'llama-3.3-70b'}",
        text="" if error else text,
        error=error,
        error_kind="permanent" if error else None,
        started_at=float(index),
        ended_at=index + 0.5,
    )


GROUP = [
    turn(0, 0, "a", "We should clearly build the app with Flutter and Firebase within the budget."),
    turn(1, 0, "b", "I agree with Agent-A. Flutter and Firebase might be enough for a three month deadline."),
    turn(2, 0, "c", error=DECOMMISSIONED),
    turn(3, 1, "a", "Agent-C is down. @Agent-B, can you take the payment module with Stripe?"),
    turn(4, 1, "b", "Sure. I will take over Agent-C's tests as well, perhaps by Friday."),
    turn(5, 1, "c", error=DECOMMISSIONED),
    turn(6, 2, "a", "Agent-C is down. @Agent-B, can you take the payment module with Stripe?"),
    turn(7, 2, "b", "Got it."),
]
TUI_TURN_KEYS = {
    "rouge1", "rouge2", "rougeL", "confidence.a", "confidence.b", "confidence.mean", "loop.bleu",
    "loop.jaccard", "loop.coherence_change", "loop.cosine", "loop.converged_steps", "loop.detected",
    "loop.onset_turn", "disagreement.std",
}  # fmt: skip


def live(tracker: MetricsTracker, turns: list[Turn]) -> list[Snapshot]:
    """What the engine does: observe each turn, end each round when it is complete."""
    snapshots: list[Snapshot] = []
    for position, current in enumerate(turns):
        snapshots.append(Snapshot(current.index, current.round, tracker.observe(current)))
        following = turns[position + 1] if position + 1 < len(turns) else None
        if following is None or following.round != current.round:
            snapshots.append(Snapshot(None, current.round, tracker.end_round(current.round)))
    return snapshots


def relay(texts: list[str]) -> list[Turn]:
    return [turn(i, i // 2, "ab"[i % 2], text) for i, text in enumerate(texts)]


def test_turn_snapshots_carry_the_keys_the_tui_reads_and_are_json() -> None:
    snapshots = MetricsTracker.replay(GROUP)
    last_turn = [s for s in snapshots if s.turn_index is not None][-1].values
    assert last_turn.keys() >= TUI_TURN_KEYS
    assert isinstance(last_turn["loop.detected"], bool)
    json.dumps([s.values for s in snapshots])


def test_one_snapshot_per_turn_and_one_per_round_in_order() -> None:
    snapshots = MetricsTracker.replay(GROUP)
    assert [(s.round, s.turn_index) for s in snapshots] == [
        (0, 0), (0, 1), (0, 2), (0, None), (1, 3), (1, 4), (1, 5), (1, None), (2, 6), (2, 7), (2, None),
    ]  # fmt: skip


def test_live_observation_and_replay_give_the_same_snapshots() -> None:
    assert live(MetricsTracker(), GROUP) == MetricsTracker.replay(GROUP)


def test_round_rouge_is_the_group_rouge_of_the_round_outputs() -> None:
    rounds = [s.values for s in MetricsTracker.replay(GROUP) if s.turn_index is None]
    for values, round_index in zip(rounds, range(3), strict=True):
        texts = [t.text for t in GROUP if t.round == round_index and not t.failed]
        expected = rouge_pairwise(texts)
        assert values["rouge1"] == pytest.approx(expected["rouge1"])
        assert values["rougeL"] == pytest.approx(expected["rougeL"])
        assert values["rouge.pairs"] == 1


def test_a_relay_round_of_one_turn_compares_the_two_agents_latest_outputs() -> None:
    texts = [
        "The lighthouse keeper counted ships every night.",
        "A storm broke the lamp of the lighthouse one winter.",
        "The keeper lit fires along the cliffs every night.",
    ]
    one_turn_rounds = [turn(i, i, "ab"[i % 2], text) for i, text in enumerate(texts)]
    rounds = [s.values for s in MetricsTracker.replay(one_turn_rounds) if s.turn_index is None]
    assert rounds[0]["rouge1"] is None and rounds[0]["rouge.pairs"] == 0  # only one text so far
    for values, (previous, latest) in zip(rounds[1:], itertools.pairwise(texts), strict=True):
        expected = rouge_pairwise([previous, latest])
        assert values["rouge1"] == pytest.approx(expected["rouge1"])
        assert values["rougeL"] == pytest.approx(expected["rougeL"])
        assert values["rouge.pairs"] == 1


def test_a_round_where_every_turn_failed_has_no_rouge_rather_than_the_previous_rounds() -> None:
    spoke = [turn(0, 0, "a", "We build it in Flutter."), turn(1, 0, "b", "Flutter and Firebase, then.")]
    failed = [turn(2, 1, "a", error=DECOMMISSIONED), turn(3, 1, "b", error=DECOMMISSIONED)]
    rounds = [s.values for s in MetricsTracker.replay(spoke + failed) if s.turn_index is None]
    assert rounds[0]["rouge.pairs"] == 1
    assert rounds[1]["rouge1"] is None and rounds[1]["rouge.pairs"] == 0


def test_a_round_with_one_output_pairs_it_only_with_the_others_latest_outputs() -> None:
    first = ["We build it in Flutter.", "Flutter and Firebase, then.", "I would rather use React Native."]
    chat = [turn(i, 0, "abc"[i], text) for i, text in enumerate(first)]
    chat += [turn(3, 1, "a", "Budget first: 50,000 EUR."), turn(4, 1, "b", error=DECOMMISSIONED)]
    chat += [turn(5, 1, "c", error=DECOMMISSIONED)]
    rounds = [s.values for s in MetricsTracker.replay(chat) if s.turn_index is None]
    expected = [rouge_pairwise(["Budget first: 50,000 EUR.", other])["rouge1"] for other in first[1:]]
    assert rounds[1]["rouge.pairs"] == 2  # not the pair of B's and C's round-0 outputs
    assert rounds[1]["rouge1"] == pytest.approx(sum(expected) / 2)


def test_a_group_chat_round_where_every_agent_speaks_pairs_only_that_round() -> None:
    first = ["We build it in Flutter.", "Flutter and Firebase, then.", "I would rather use React Native."]
    second = ["Budget first: 50,000 EUR.", "The budget covers three months.", "Agreed on the budget."]
    chat = [turn(i, i // 3, "abc"[i % 3], text) for i, text in enumerate(first + second)]
    rounds = [s.values for s in MetricsTracker.replay(chat) if s.turn_index is None]
    for values, texts in zip(rounds, (first, second), strict=True):
        expected = rouge_pairwise(texts)
        assert values["rouge1"] == pytest.approx(expected["rouge1"])
        assert values["rougeL"] == pytest.approx(expected["rougeL"])
        assert values["rouge.pairs"] == 3


def test_turn_rouge_pairs_each_agent_latest_output_across_the_round_boundary() -> None:
    snapshots = {s.turn_index: s.values for s in MetricsTracker.replay(GROUP) if s.turn_index is not None}
    assert snapshots[0]["rouge1"] is None  # one output so far
    expected = rouge_pairwise([GROUP[3].text, GROUP[1].text])  # a's new output against b's previous one
    assert snapshots[3]["rouge1"] == pytest.approx(expected["rouge1"])


def test_failed_turns_are_skipped_by_the_text_measures() -> None:
    tracker = MetricsTracker()
    before = tracker.observe(GROUP[0])
    tracker.observe(GROUP[1])
    after_error = tracker.observe(GROUP[2])
    assert len(tracker.loops.steps) == 2
    assert "confidence.c" not in after_error
    assert after_error["turn.failed"] and after_error["behaviour.ARCH"] is None
    assert before["loop.bleu"] is None


def test_a_turn_interrupted_before_it_said_anything_is_recorded_but_not_measured() -> None:
    silent = GROUP[1].model_copy(update={"text": "  ", "cut_by": "interrupt"})
    cut = GROUP[1].model_copy(update={"text": "I agree with", "cut_by": "interrupt"})
    tracker = MetricsTracker()
    tracker.observe(GROUP[0])
    values = tracker.observe(silent)
    assert len(tracker.loops.steps) == 1  # as if it had not spoken: no distance to an empty text
    assert values["opinion.score"] is None and "confidence.b" not in values
    assert not values["turn.failed"]

    tracker = MetricsTracker()
    tracker.observe(GROUP[0])
    tracker.observe(cut)
    assert len(tracker.loops.steps) == 2  # what it said before the cut is a reply like any other


def test_confidence_is_each_agent_latest_score_and_their_mean() -> None:
    values = MetricsTracker.replay(GROUP[:2])[1].values
    a, b = (confidence_score(t.text, "auto") for t in GROUP[:2])
    assert values["confidence.a"] == a and values["confidence.b"] == b
    assert values["confidence.mean"] == pytest.approx((a + b) / 2)


def test_a_relay_loop_is_reported_with_the_turn_where_it_began() -> None:
    texts = [
        "The lighthouse keeper counted ships every night.",
        "A storm broke the lamp one winter.",
        "The village lit fires along the cliffs.",
        LOOP,
        LOOP,
        LOOP,
        LOOP,
    ]
    snapshots = [s.values for s in MetricsTracker.replay(relay(texts)) if s.turn_index is not None]
    assert [s["loop.converged_steps"] for s in snapshots] == [0, 0, 0, 0, 1, 2, 3]
    assert [s["loop.detected"] for s in snapshots] == [False] * 6 + [True]
    assert snapshots[-1]["loop.onset_turn"] == 4
    assert snapshots[-1]["loop.bleu"] == 0.0 and snapshots[-1]["loop.cosine"] is None


def test_thresholds_changed_at_run_time_take_effect_in_the_next_snapshot() -> None:
    tracker = MetricsTracker()
    for current in relay(["A first, quite different sentence.", *VARIANTS[:4]]):
        values = tracker.observe(current)
    assert values["loop.detected"] and values["loop.onset_turn"] == 2
    tracker.set_thresholds({"bleu": 0.05})
    values = tracker.observe(turn(5, 2, "b", VARIANTS[4]))
    assert not values["loop.detected"] and values["loop.thresholds.bleu"] == 0.05
    assert values["loop.thresholds.jaccard"] == 0.3  # untouched fields keep their value


def test_replay_applies_recorded_threshold_changes_before_their_turn() -> None:
    turns = relay(["A first, quite different sentence.", *VARIANTS])
    change = ThresholdsChanged(turn_index=3, at=0.0, thresholds={"bleu": 0.05})
    assert MetricsTracker.replay(turns)[-1].values["loop.detected"]
    final = MetricsTracker.replay(turns, controls=[change])[-1].values
    assert not final["loop.detected"] and final["loop.thresholds.bleu"] == 0.05


def stated_opinion(answer: Turn) -> float | None:
    return parse_stated_opinion(answer.text)


def test_disagreement_is_the_population_std_of_the_latest_opinion_scores() -> None:
    turns = [turn(0, 0, "a", "My opinion: 0.2"), turn(1, 0, "b", "My opinion: 0.8")]
    snapshots = MetricsTracker.replay(turns, opinion=stated_opinion)
    assert snapshots[0].values["disagreement.std"] is None
    assert snapshots[1].values["disagreement.std"] == pytest.approx(0.3)
    assert snapshots[2].values["disagreement.std"] == pytest.approx(0.3)
    assert MetricsTracker.replay(turns)[1].values["disagreement.std"] is None


def test_each_turn_snapshot_records_that_turns_own_opinion_score_and_none_for_a_failed_turn() -> None:
    turns = [
        turn(0, 0, "a", "My opinion: 0.2"),
        turn(1, 0, "b", "My opinion: 0.9"),
        turn(2, 0, "c", error=DECOMMISSIONED),
        turn(3, 1, "a", "No number here."),
    ]
    scored = MetricsTracker.replay(turns, opinion=stated_opinion)
    assert [s.values["opinion.score"] for s in scored if s.turn_index is not None] == [0.2, 0.9, None, None]
    unscored = MetricsTracker.replay(turns[:2])
    assert [s.values["opinion.score"] for s in unscored if s.turn_index is not None] == [None, None]


def test_a_permanent_failure_marks_the_agent_as_crashed_for_the_behaviour_coder() -> None:
    message = "Agent-C is down, so I will take over its tests."
    before = MetricsTracker(agents=[AgentSpec(id="c", nickname="Agent-C", provider="scripted:echo")])
    assert before.observe(turn(0, 0, "a", message))["behaviour.COMP"] is False
    after = MetricsTracker()
    after.observe(turn(0, 0, "c", error=DECOMMISSIONED))
    values = after.observe(turn(1, 0, "a", message))
    assert values["behaviour.COMP"] is True and values["behaviour.COMP_level"] == 2
    assert values["behaviour.has_xref"] is True


@pytest.mark.parametrize(
    ("provider", "name"),
    [  # every spec form's name is pinned in tests/core/test_agents.py
        ("openai:gpt-4o", "gpt-4o"),
        ("openai-compatible:http://127.0.0.1:8000/v1#deepseek-chat", "deepseek-chat"),
    ],
)
@pytest.mark.parametrize("told_the_agents", [True, False])
def test_a_crashed_agent_is_known_by_its_bare_model_name_whatever_its_provider_spec(
    provider: str, name: str, told_the_agents: bool
) -> None:
    agents = [AgentSpec(id="c", nickname="Agent-C", provider=provider)] if told_the_agents else []
    tracker = MetricsTracker(agents=agents)
    tracker.observe(turn(0, 0, "c", error=DECOMMISSIONED).model_copy(update={"model": provider}))
    values = tracker.observe(turn(1, 0, "a", f"{name} has crashed."))
    assert values["behaviour.COMP"] is True and values["behaviour.has_xref"] is True


def test_round_snapshots_report_stability_behaviour_shares_and_profile_similarity() -> None:
    rounds = [s.values for s in MetricsTracker.replay(GROUP) if s.turn_index is None]
    assert rounds[0]["stability.identical"] is None  # nothing to compare with yet
    assert rounds[2]["stability.identical"] == 0.5  # a repeated itself, b did not
    assert rounds[2]["behaviour.PHATIC"] == 0.5  # "Got it."
    assert rounds[1]["behaviour.LEAD"] == 0.5
    assert rounds[2]["profile.similarity"] is not None
    assert TUI_TURN_KEYS - {"loop.bleu", "loop.jaccard", "loop.coherence_change", "loop.cosine"} <= {
        *rounds[0].keys(),
        "confidence.b",
    }


def test_without_semantic_no_embedding_model_is_loaded() -> None:
    tracker = MetricsTracker()
    values: dict[str, Any] = {}
    for current in relay([LOOP, LOOP]):
        values = tracker.observe(current)
    assert values["loop.cosine"] is None and tracker._embedder is None


@pytest.mark.slow
def test_semantic_mode_adds_minilm_cosine_distances_to_loop_detection() -> None:
    texts = [
        "The cat sleeps on the warm windowsill.",
        "A cat is napping on the sunny window ledge.",
        LOOP,
        LOOP,
    ]
    snapshots = [
        s.values for s in MetricsTracker.replay(relay(texts), semantic=True) if s.turn_index is not None
    ]
    assert snapshots[0]["loop.cosine"] is None
    assert 0.0 < snapshots[1]["loop.cosine"] < 0.5  # paraphrases are close in embedding space
    assert snapshots[3]["loop.cosine"] == pytest.approx(0.0, abs=1e-6)
