"""The confidence proxy against the coding-panel paper, appendix B, in English and French."""

from __future__ import annotations

import pytest

from convscope.core.metrics.confidence import confidence_score, count_cues, guess_language
from convscope.core.metrics.lexicons import CERTAINTY, HEDGING
from convscope.core.metrics.tokenize import words

# The examples the coding-panel paper prints in appendix B.
PAPER_CERTAINTY = (
    "definitely", "must", "undoubtedly", "always", "clearly", "certainly", "absolutely", "without a doubt",
    "unquestionably", "conclusively", "positively", "with certainty", "no doubt", "undeniably", "strongly",
)  # fmt: skip
PAPER_HEDGING = (
    "might", "possibly", "could", "likely", "seems", "apparently", "perhaps", "maybe", "presumably",
    "arguably", "supposedly", "relatively", "somewhat", "in theory", "reportedly", "one might argue",
    "from what I gather", "I guess",
)  # fmt: skip


@pytest.mark.parametrize("cue", PAPER_CERTAINTY)
def test_each_certainty_example_of_the_paper_counts_once(cue: str) -> None:
    text = f"This code is {cue} the right one"
    counts = count_cues(text)
    assert (counts.certainty, counts.hedging) == (1, 0)
    assert confidence_score(text) == pytest.approx(1 / len(words(text)))


@pytest.mark.parametrize("cue", PAPER_HEDGING)
def test_each_hedging_example_of_the_paper_counts_once(cue: str) -> None:
    text = f"This code is {cue} the right one"
    counts = count_cues(text)
    assert (counts.certainty, counts.hedging) == (0, 1)
    assert confidence_score(text) == pytest.approx(-1 / len(words(text)))


def test_score_is_certainty_minus_hedging_over_tokens() -> None:
    text = "Clearly this is definitely right, although it might need work."
    assert confidence_score(text) == pytest.approx((2 - 1) / 10)


def test_matching_is_case_insensitive_and_whole_word() -> None:
    assert count_cues("CLEARLY Definitely").certainty == 2
    assert count_cues("mustard and maybelline are not cues").certainty == 0
    assert count_cues("mustard and maybelline are not cues").hedging == 0


def test_a_phrase_is_one_cue_and_the_longest_cue_wins() -> None:
    assert count_cues("One might argue otherwise.").hedging == 1  # not also "might"
    assert count_cues("Je suis sûr, sans aucun doute.", "fr").certainty == 2  # not "sans doute"
    assert count_cues("C'est sans doute la bonne option.", "fr").hedging == 1


def test_typographic_apostrophes_match_like_straight_ones() -> None:
    assert count_cues("I’m sure of it").certainty == count_cues("I'm sure of it").certainty == 1


def test_french_cues_are_read_with_the_french_lexicon() -> None:
    text = "Il faut absolument tester, mais cela pourrait peut-être attendre."
    counts = count_cues(text, "fr")
    assert (counts.certainty, counts.hedging) == (2, 2)
    assert confidence_score(text, "fr") == 0.0
    assert count_cues(text, "en").certainty == 0


def test_auto_picks_the_lexicon_of_the_text_language() -> None:
    french = "Nous devons clairement livrer le MVP dans les délais, sans aucun doute."
    assert guess_language(words(french)) == "fr"
    assert confidence_score(french, "auto") == confidence_score(french, "fr") > 0
    english = "We will clearly ship the MVP on time, it is certain."
    assert guess_language(words(english)) == "en"
    assert confidence_score(english, "auto") == confidence_score(english, "en") > 0


def test_empty_text_scores_zero() -> None:
    assert confidence_score("") == 0.0


@pytest.mark.parametrize("lang", ["en", "fr"])
def test_lexicons_have_about_65_certainty_and_70_hedging_expressions_without_overlap(lang: str) -> None:
    certainty = {" ".join(words(cue)) for cue in CERTAINTY[lang]}
    hedging = {" ".join(words(cue)) for cue in HEDGING[lang]}
    assert len(certainty) == len(CERTAINTY[lang]) == 65
    assert len(hedging) == len(HEDGING[lang]) == 70
    assert not certainty & hedging


def test_every_example_of_the_paper_is_in_the_english_lexicons() -> None:
    certainty = {" ".join(words(cue)) for cue in CERTAINTY["en"]}
    hedging = {" ".join(words(cue)) for cue in HEDGING["en"]}
    assert {" ".join(words(cue)) for cue in PAPER_CERTAINTY} <= certainty
    assert {" ".join(words(cue)) for cue in PAPER_HEDGING} <= hedging
