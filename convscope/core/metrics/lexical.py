"""Lexical measures: ROUGE-1/2/L, BLEU distance, Jaccard distance, coherence.

ROUGE is rouge-score's definition to the last float (its precision, recall and
``scoring.fmeasure``; the tests check equality with ``RougeScorer``), computed here so
that it is cheap enough to run live: every text is tokenised and counted once, not once
per pair, and the longest common subsequence uses a bit-parallel algorithm (Hyyrö 2004)
instead of rouge-score's pure-Python table, which takes seconds for the 190 pairs of a
20-agent round of 300-word messages. Tokens come from our Unicode tokenizer by default
(``tokenizer="unicode"``) or from rouge-score's own (``"rouge-score"``, ``[a-z0-9]`` only,
no stemming) for parity with published numbers. The F-measure is symmetric, so a group's
value is the mean over unordered pairs.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import combinations, pairwise
from typing import Literal, TypedDict

from rouge_score import scoring
from rouge_score import tokenize as rouge_score_tokenize
from sacrebleu.metrics.bleu import BLEU
from sacrebleu.metrics.helpers import extract_all_word_ngrams

from convscope.core.metrics.tokenize import words

TokenizerName = Literal["unicode", "rouge-score"]
ROUGE_TYPES = ("rouge1", "rouge2", "rougeL")

# sacrebleu.sentence_bleu's defaults (13a tokenizer, exp smoothing, effective order), built once.
_BLEU = BLEU(effective_order=True)


def tokenize(text: str, tokenizer: TokenizerName = "unicode") -> list[str]:
    """Tokens for ROUGE: ours, or rouge-score's default (``[a-z0-9]`` runs)."""
    if tokenizer == "unicode":
        return words(text)
    # What DefaultTokenizer(use_stemmer=False) does, without importing nltk (2 s) for a stemmer we skip.
    return list(rouge_score_tokenize.tokenize(text, None))


@dataclass(frozen=True)
class RougeText:
    """One text, tokenised and counted once, ready to be paired with any other."""

    tokens: tuple[str, ...]
    unigrams: Counter[str] = field(repr=False)
    bigrams: Counter[str] = field(repr=False)  # "first second": tokens never hold a space
    positions: dict[str, int] = field(repr=False)  # token -> bit mask of where it occurs

    @classmethod
    def of(cls, text: str, tokenizer: TokenizerName = "unicode") -> RougeText:
        tokens = tuple(tokenize(text, tokenizer))
        positions: dict[str, int] = {}
        for i, token in enumerate(tokens):
            positions[token] = positions.get(token, 0) | (1 << i)
        # n-grams as strings, not tuples: a string caches its hash, so pairing is cheaper
        bigrams = Counter(f"{a} {b}" for a, b in pairwise(tokens))
        return cls(tokens, Counter(tokens), bigrams, positions)


def lcs_length(a: Sequence[str], b: RougeText) -> int:
    """Length of the longest common subsequence of ``a`` and ``b.tokens``, bit-parallel.

    Row ``V`` has a zero bit at each column where the LCS grows; one big-integer add per
    token of ``a`` updates the whole row (Hyyrö 2004), so the cost is linear in ``len(a)``.
    """
    width = len(b.tokens)
    full = (1 << width) - 1
    row = full
    for token in a:
        mask = b.positions.get(token)
        if mask:  # a token absent from b leaves the row as it is
            matches = row & mask
            row = ((row + matches) | (row - matches)) & full
    return width - row.bit_count()


def _ngram_f(target: Counter[str], prediction: Counter[str]) -> float:
    overlap = sum(min(target[gram], prediction[gram]) for gram in target.keys() & prediction.keys())
    precision = overlap / max(prediction.total(), 1)
    recall = overlap / max(target.total(), 1)
    return float(scoring.fmeasure(precision, recall))


def _lcs_f(target: RougeText, prediction: RougeText) -> float:
    if not target.tokens or not prediction.tokens:
        return 0.0
    length = lcs_length(target.tokens, prediction)
    precision = length / len(prediction.tokens)
    recall = length / len(target.tokens)
    return float(scoring.fmeasure(precision, recall))


def rouge_f(target: RougeText, prediction: RougeText) -> dict[str, float]:
    """ROUGE-1, ROUGE-2 and ROUGE-L F-measures, as ``RougeScorer.score(target, prediction)``."""
    return {
        "rouge1": _ngram_f(target.unigrams, prediction.unigrams),
        "rouge2": _ngram_f(target.bigrams, prediction.bigrams),
        "rougeL": _lcs_f(target, prediction),
    }


class RougePair(TypedDict):
    a: int
    b: int
    rouge1: float
    rouge2: float
    rougeL: float


class RougeGroup(TypedDict):
    rouge1: float | None
    rouge2: float | None
    rougeL: float | None
    pairs: list[RougePair]


def mean_rouge(scores: Sequence[dict[str, float]]) -> dict[str, float | None]:
    """The group value of each ROUGE type: the mean F over pairs, None without a pair."""
    if not scores:
        return dict.fromkeys(ROUGE_TYPES)
    return {kind: sum(score[kind] for score in scores) / len(scores) for kind in ROUGE_TYPES}


def rouge_pairwise(texts: Sequence[str], *, tokenizer: TokenizerName = "unicode") -> RougeGroup:
    """ROUGE-1/2/L F over every unordered pair of ``texts`` and their means.

    ``pairs`` lists each pair ``(a, b)`` with ``a < b`` (indexes into ``texts``); the
    group values are None when there are fewer than two texts.
    """
    prepared = [RougeText.of(text, tokenizer) for text in texts]
    scored = [(a, b, rouge_f(prepared[a], prepared[b])) for a, b in combinations(range(len(prepared)), 2)]
    pairs = [
        RougePair(a=a, b=b, rouge1=f["rouge1"], rouge2=f["rouge2"], rougeL=f["rougeL"]) for a, b, f in scored
    ]
    means = mean_rouge([f for _, _, f in scored])
    return RougeGroup(rouge1=means["rouge1"], rouge2=means["rouge2"], rougeL=means["rougeL"], pairs=pairs)


@dataclass(frozen=True)
class BleuText:
    """One text as sacrebleu sees it (13a tokens, 1- to 4-gram counts), computed once.

    Loop detection compares each output with up to two earlier ones, so counting every
    text once instead of once per comparison halves the cost of BLEU, the dearest measure.
    """

    ngrams: Counter[tuple[str, ...]] = field(repr=False)
    totals: tuple[int, ...]  # n-grams of each order, 1 to 4
    length: int

    @classmethod
    def of(cls, text: str) -> BleuText:
        ngrams, length = extract_all_word_ngrams(_BLEU.tokenizer(text.rstrip()), 1, _BLEU.max_ngram_order)
        totals = [0] * _BLEU.max_ngram_order
        for gram, count in ngrams.items():
            totals[len(gram) - 1] += count
        return cls(ngrams, tuple(totals), length)


def bleu_text_distance(current: BleuText, previous: BleuText) -> float:
    """:func:`bleu_distance` on prepared texts: sacrebleu's statistics and its own formula."""
    correct = [0] * _BLEU.max_ngram_order
    for gram in current.ngrams.keys() & previous.ngrams.keys():
        correct[len(gram) - 1] += min(current.ngrams[gram], previous.ngrams[gram])
    score = BLEU.compute_bleu(
        correct=correct,
        total=list(current.totals),
        sys_len=current.length,
        ref_len=previous.length,
        smooth_method=_BLEU.smooth_method,
        smooth_value=_BLEU.smooth_value,
        effective_order=True,
        max_ngram_order=_BLEU.max_ngram_order,
    ).score
    return min(1.0, max(0.0, 1.0 - score / 100.0))


def bleu_distance(current: str, previous: str) -> float:
    """``1 - sentence_bleu(current, [previous]).score / 100``, clipped to [0, 1].

    sacrebleu's defaults (13a tokenizer, exponential smoothing, effective order), with the
    reference's statistics computed as sacrebleu does. The clip absorbs the
    100.00000000000004 that identical strings score; two empty strings score 0, hence
    distance 1.
    """
    return bleu_text_distance(BleuText.of(current), BleuText.of(previous))


def set_jaccard_distance(a: set[str] | frozenset[str], b: set[str] | frozenset[str]) -> float:
    """``1 - |A ∩ B| / |A ∪ B|``; two empty sets are identical, distance 0."""
    union = len(a | b)
    if union == 0:
        return 0.0
    return 1.0 - len(a & b) / union


def jaccard_distance(a: str, b: str) -> float:
    """Jaccard distance between the word sets of two texts (our tokenizer)."""
    return set_jaccard_distance(set(words(a)), set(words(b)))


def token_coherence(tokens: Sequence[str]) -> float:
    """Unique tokens / tokens; 0 for no tokens."""
    return len(set(tokens)) / len(tokens) if tokens else 0.0


def coherence(text: str) -> float:
    """Coherence of one output as in the relay paper: unique words / total words (0 when empty).

    A degenerate loop repeats the same few words, so this falls as an output repeats itself.
    """
    return token_coherence(words(text))


def coherence_change(current: str, previous: str) -> float:
    """Absolute difference of the coherence of two consecutive outputs."""
    return abs(coherence(current) - coherence(previous))
