"""Loop detection on scripted sequences: onsets, non-loops, two-cycles, threshold changes."""

from __future__ import annotations

import numpy as np
import pytest
from pydantic import ValidationError

from convscope.core.metrics.lexical import bleu_distance, jaccard_distance
from convscope.core.metrics.loops import LoopDetector, LoopThresholds, detect_loops, thresholds_from

DISTINCT = [
    "The seed sentence talks about a lighthouse keeper on a remote island.",
    "Every night he climbed the stairs and counted the ships passing by.",
    "One winter a storm broke the lamp and the sea went completely dark.",
    "Fishermen in the village lit fires along the cliffs to guide the boats home.",
    "By spring the council voted to replace the keeper with an automatic light.",
    "He moved inland, bought a small bakery and never spoke of the sea again.",
    "Years later a child found his logbook in the attic of the old house.",
    "She read it aloud to her class, who decided to visit the island together.",
]
LOOP = "and then they said the same thing again and again and again"
NEAR = "and then they said the very same thing again and again and again"
RELAY = ["A", "B"] * 8


def test_a_repetition_is_detected_at_the_first_of_three_converged_steps() -> None:
    texts = [*DISTINCT[:4], LOOP, LOOP, LOOP, LOOP]
    report = detect_loops(texts, agents=RELAY[: len(texts)])
    assert report.converged == [False] * 5 + [True] * 3
    assert report.detected and report.onset == 5


def test_two_agents_alternating_two_fixed_texts_loop_through_their_own_previous_outputs() -> None:
    texts = [DISTINCT[0], DISTINCT[1], DISTINCT[0], DISTINCT[1], DISTINCT[0]]
    report = detect_loops(texts, agents=RELAY[:5])
    assert all(step.previous and (step.previous["bleu"] or 0.0) > 0.5 for step in report.steps[1:])
    assert report.converged == [False, False, True, True, True]
    assert report.onset == 2


def test_varied_outputs_are_not_a_loop() -> None:
    report = detect_loops(DISTINCT, agents=RELAY[: len(DISTINCT)])
    assert not report.detected and report.onset is None
    assert not any(report.converged)


def test_two_converged_steps_are_not_yet_a_loop_and_the_onset_is_the_first_long_enough_run() -> None:
    texts = [DISTINCT[0], LOOP, LOOP, LOOP, DISTINCT[1], DISTINCT[2], LOOP, LOOP, LOOP, LOOP]
    report = detect_loops(texts)  # one stream: only the previous output counts
    assert report.converged == [False, False, True, True, False, False, False, True, True, True]
    assert report.onset == 7


def test_the_detector_exposes_distances_run_length_and_loop_state_as_outputs_arrive() -> None:
    detector = LoopDetector()
    for key, text in enumerate([DISTINCT[0], LOOP, LOOP, LOOP], start=100):
        step = detector.feed(text, agent="relay", key=key)
    assert step.previous is not None
    assert step.previous["bleu"] == 0.0 and step.previous["jaccard"] == 0.0
    assert step.previous["coherence_change"] == 0.0 and step.previous["cosine"] is None
    assert detector.converged_steps == 2 and not detector.detected and not detector.active
    detector.feed(LOOP, agent="relay", key=104)
    assert detector.converged_steps == 3 and detector.active and detector.onset == 102
    detector.feed(DISTINCT[3], agent="relay", key=105)
    assert detector.converged_steps == 0 and not detector.active
    assert detector.detected and detector.onset == 102  # a loop happened, even if broken since


def test_distances_are_the_lexical_measures_of_the_output_against_the_previous_ones() -> None:
    detector = LoopDetector()
    detector.feed(DISTINCT[0], agent="A")
    detector.feed(DISTINCT[1], agent="B")
    step = detector.feed(DISTINCT[2], agent="A")
    assert step.previous is not None and step.own is not None
    assert step.previous["bleu"] == bleu_distance(DISTINCT[2], DISTINCT[1])
    assert step.own["bleu"] == bleu_distance(DISTINCT[2], DISTINCT[0])
    assert step.own["jaccard"] == pytest.approx(jaccard_distance(DISTINCT[2], DISTINCT[0]))


def test_tighter_thresholds_undo_a_near_repetition_loop_and_looser_ones_restore_it() -> None:
    texts = [DISTINCT[0], LOOP, NEAR, LOOP, NEAR, LOOP]
    detector = LoopDetector()
    for text in texts:
        detector.feed(text)
    near_bleu = bleu_distance(NEAR, LOOP)
    assert 0.05 < near_bleu < 0.5
    assert detector.detected and detector.onset == 2
    detector.set_thresholds(thresholds_from({"bleu": 0.05}))
    assert not detector.detected and detector.converged_steps == 0
    detector.set_thresholds(LoopThresholds())
    assert detector.detected and detector.onset == 2


def test_a_longer_minimum_run_delays_the_onset_until_the_run_is_long_enough() -> None:
    detector = LoopDetector(LoopThresholds(min_steps=5))
    for text in [DISTINCT[0], LOOP, LOOP, LOOP, LOOP, LOOP]:
        detector.feed(text)
    assert detector.converged_steps == 4 and not detector.detected
    detector.feed(LOOP)
    assert detector.detected and detector.onset == 2


def test_with_embeddings_the_cosine_distance_must_also_be_below_its_threshold() -> None:
    east, north = np.array([1.0, 0.0], dtype=np.float32), np.array([0.0, 1.0], dtype=np.float32)
    texts = [LOOP] * 4
    lexical_only = detect_loops(texts)
    assert lexical_only.detected
    disagreeing = detect_loops(texts, embeddings=[east, north, east, north])
    assert not disagreeing.detected
    assert disagreeing.steps[1].previous is not None and disagreeing.steps[1].previous["cosine"] == 1.0
    agreeing = detect_loops(texts, embeddings=[east, east, east, east])
    assert agreeing.detected and agreeing.onset == 1


def test_thresholds_are_validated_settings() -> None:
    with pytest.raises(ValidationError):
        LoopThresholds(bleu=1.5)
    with pytest.raises(ValidationError):
        thresholds_from({"min_steps": 0})
    with pytest.raises(ValidationError):
        thresholds_from({"unknown": 0.3})
    assert thresholds_from({"jaccard": 0.2}) == LoopThresholds(jaccard=0.2)


def test_batch_inputs_must_have_matching_lengths() -> None:
    with pytest.raises(ValueError, match="same length"):
        detect_loops(["a", "b"], agents=["x"])
