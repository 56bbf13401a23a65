"""ROUGE, BLEU distance, Jaccard distance and coherence against their references."""

from __future__ import annotations

import itertools

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from convscope.core.metrics.lexical import (
    RougeText,
    bleu_distance,
    coherence,
    coherence_change,
    jaccard_distance,
    lcs_length,
    rouge_f,
    rouge_pairwise,
)
from convscope.core.metrics.tokenize import UnicodeTokenizer, words

PAIRS = [
    ("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log."),
    (
        "Le délai est très serré pour une équipe de trois développeurs, même à 50 k€.",
        "Le délai est serré : trois développeurs ne suffiront pas, même à 50 k€.",
    ),
    ("Быстрая коричневая лиса прыгает через ленивую собаку", "Быстрая лиса прыгает через собаку"),
    ("Η γρήγορη καφέ αλεπού πηδάει πάνω από τον τεμπέλη σκύλο", "Η γρήγορη αλεπού πηδάει πάνω από τον σκύλο"),
    ("私 は 東京 に 住んで います", "私 は 大阪 に 住んで います"),
    ("React Native + Firebase, déploiement en 3 mois", "Flutter + Firebase : déploiement en trois mois"),
    ("same same same words", "same same same words"),
    ("", "not empty at all"),
    ("a b a b a b a c", "b a b a c a b a"),
]
KINDS = ("rouge1", "rouge2", "rougeL")


@pytest.mark.parametrize(("target", "prediction"), PAIRS)
def test_rouge_equals_rouge_score_with_its_own_tokenizer(target: str, prediction: str) -> None:
    reference = rouge_scorer.RougeScorer(list(KINDS)).score(target, prediction)
    ours = rouge_f(RougeText.of(target, "rouge-score"), RougeText.of(prediction, "rouge-score"))
    assert ours == {kind: reference[kind].fmeasure for kind in KINDS}


@pytest.mark.parametrize(("target", "prediction"), PAIRS)
def test_rouge_equals_rouge_score_given_our_unicode_tokenizer(target: str, prediction: str) -> None:
    reference = rouge_scorer.RougeScorer(list(KINDS), tokenizer=UnicodeTokenizer()).score(target, prediction)
    ours = rouge_f(RougeText.of(target), RougeText.of(prediction))
    assert ours == {kind: reference[kind].fmeasure for kind in KINDS}


@pytest.mark.parametrize("pair", PAIRS[2:5], ids=["cyrillic", "greek", "japanese"])
def test_non_latin_text_is_scored_by_our_tokenizer_where_rouge_score_drops_it(pair: tuple[str, str]) -> None:
    dropped = rouge_pairwise(list(pair), tokenizer="rouge-score")
    kept = rouge_pairwise(list(pair))
    assert dropped["rouge1"] == 0.0
    assert kept["rouge1"] is not None and kept["rouge1"] > 0.5


def test_identical_non_latin_texts_score_one_only_with_our_tokenizer() -> None:
    text = "Привет, как дела? Всё хорошо."
    assert rouge_pairwise([text, text])["rougeL"] == 1.0
    assert rouge_pairwise([text, text], tokenizer="rouge-score")["rougeL"] == 0.0


def test_french_accented_words_stay_whole_with_our_tokenizer() -> None:
    assert words("Le délai était très serré") == ["le", "délai", "était", "très", "serré"]
    assert RougeText.of("délai", "rouge-score").tokens == ("d", "lai")


def test_group_value_is_the_mean_over_unordered_pairs() -> None:
    texts = [p[0] for p in PAIRS[:4]]
    result = rouge_pairwise(texts)
    assert [(p["a"], p["b"]) for p in result["pairs"]] == list(itertools.combinations(range(4), 2))
    by_hand = [rouge_f(RougeText.of(texts[p["a"]]), RougeText.of(texts[p["b"]])) for p in result["pairs"]]
    assert result["rouge1"] == pytest.approx(sum(f["rouge1"] for f in by_hand) / 6)
    assert result["rouge2"] == pytest.approx(sum(f["rouge2"] for f in by_hand) / 6)
    assert result["rougeL"] == pytest.approx(sum(f["rougeL"] for f in by_hand) / 6)


def test_rouge_f_is_symmetric_so_pair_order_does_not_matter() -> None:
    a, b = RougeText.of(PAIRS[1][0]), RougeText.of(PAIRS[1][1])
    assert rouge_f(a, b) == rouge_f(b, a)


def test_fewer_than_two_texts_have_no_group_value() -> None:
    assert rouge_pairwise(["only one"]) == {"rouge1": None, "rouge2": None, "rougeL": None, "pairs": []}


def test_bit_parallel_lcs_matches_the_textbook_table() -> None:
    def table_lcs(a: list[str], b: list[str]) -> int:
        row = [0] * (len(b) + 1)
        for x in a:
            previous_diagonal, row[0] = 0, 0
            for j, y in enumerate(b, start=1):
                previous_diagonal, row[j] = (
                    row[j],
                    previous_diagonal + 1 if x == y else max(row[j], row[j - 1]),
                )
        return row[-1]

    sequences = ["a b c b d a b", "b d c a b a", "x y z", "", "a a a a", "a"]
    for first, second in itertools.product(sequences, repeat=2):
        a, b = first.split(), second.split()
        assert lcs_length(a, RougeText.of(second)) == table_lcs(a, b)


@pytest.mark.parametrize(("current", "previous"), PAIRS)
def test_bleu_distance_is_one_minus_sacrebleu_sentence_bleu(current: str, previous: str) -> None:
    expected = 1 - sacrebleu.sentence_bleu(current, [previous]).score / 100
    assert bleu_distance(current, previous) == min(1.0, max(0.0, expected))


def test_bleu_distance_of_identical_strings_is_clipped_to_zero() -> None:
    text = "the same sentence, word for word"
    assert sacrebleu.sentence_bleu(text, [text]).score > 100
    assert bleu_distance(text, text) == 0.0


def test_bleu_distance_of_unrelated_strings_is_one() -> None:
    assert bleu_distance("alpha beta gamma", "delta epsilon zeta") == 1.0


def test_jaccard_distance_by_hand() -> None:
    assert jaccard_distance("the cat sat", "the cat ran") == pytest.approx(1 - 2 / 4)
    assert jaccard_distance("Le Chat, le chat!", "le chat") == 0.0
    assert jaccard_distance("", "") == 0.0
    assert jaccard_distance("", "word") == 1.0
    assert jaccard_distance("время идёт", "время стоит") == pytest.approx(1 - 1 / 3)


def test_coherence_is_unique_words_over_words_and_its_change_the_absolute_difference() -> None:
    assert coherence("a a b b") == 0.5
    assert coherence("Un deux trois quatre") == 1.0
    assert coherence("") == 0.0
    assert coherence_change("a a b b", "a b c d") == 0.5
    assert coherence_change("a b c d", "a a b b") == 0.5
