"""How much an agent revises itself between rounds (the coding-panel paper, section 5.1).

- Code stability: the share of consecutive rounds whose outputs are string-identical once
  whitespace is normalised (runs of spaces, tabs and newlines count as one space).
- Token retention, "1 - change rate": the share of tokens a diff keeps in place between two
  consecutive outputs, 2·LCS / (|a| + |b|) over our tokens. It is 1 for identical outputs
  and 0 for outputs with no token in common, and it is symmetric, so additions and deletions
  both count as change.
- Self-consistency: TF-IDF cosine between an agent's outputs at rounds t and t+1. The
  vectoriser is fitted on all the texts of the session (every agent, every round) with our
  tokenizer, so the IDF weights say which words are common *in this conversation*; the value
  therefore depends on the session it was fitted on, not on the two texts alone.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import pairwise

import numpy as np

from convscope.core.metrics.lexical import RougeText, lcs_length
from convscope.core.metrics.tokenize import words


def normalise_whitespace(text: str) -> str:
    return " ".join(text.split())


def code_stability(outputs: Sequence[str]) -> float | None:
    """Share of consecutive pairs of ``outputs`` that are identical; None for fewer than two."""
    if len(outputs) < 2:
        return None
    same = sum(normalise_whitespace(a) == normalise_whitespace(b) for a, b in pairwise(outputs))
    return same / (len(outputs) - 1)


def token_retention(previous: str, current: str) -> float:
    """2·LCS / (|previous| + |current|) over word tokens; 1 when both are empty."""
    return prepared_token_retention(RougeText.of(previous), RougeText.of(current))


def prepared_token_retention(previous: RougeText, current: RougeText) -> float:
    """:func:`token_retention` of texts already tokenised for ROUGE (the live tracker has them)."""
    total = len(previous.tokens) + len(current.tokens)
    if total == 0:
        return 1.0
    return 2 * lcs_length(current.tokens, previous) / total


def mean_token_retention(outputs: Sequence[str]) -> float | None:
    """Mean :func:`token_retention` over consecutive pairs; None for fewer than two outputs.
    Each output is tokenised once, not once per pair it is in."""
    prepared = [RougeText.of(text) for text in outputs]
    values = [prepared_token_retention(a, b) for a, b in pairwise(prepared)]
    return sum(values) / len(values) if values else None


def self_consistency(outputs_by_agent: Mapping[str, Sequence[str]]) -> dict[str, float | None]:
    """Per agent, the mean TF-IDF cosine of consecutive outputs (None for fewer than two).

    The vectoriser is fitted once on every text of ``outputs_by_agent`` (the session).
    """
    corpus = [text for outputs in outputs_by_agent.values() for text in outputs]
    if not any(words(text) for text in corpus):
        return dict.fromkeys(outputs_by_agent)
    from sklearn.feature_extraction.text import (
        TfidfVectorizer,
    )  # 1 s to import; the live tracker never needs it

    vectoriser = TfidfVectorizer(tokenizer=words, lowercase=False, token_pattern=None)
    vectoriser.fit(corpus)
    result: dict[str, float | None] = {}
    for agent, outputs in outputs_by_agent.items():
        if len(outputs) < 2:
            result[agent] = None
            continue
        rows = vectoriser.transform(outputs)  # rows are L2-normalised: dot product = cosine
        similarities = np.asarray(rows[:-1].multiply(rows[1:]).sum(axis=1)).ravel()
        result[agent] = float(similarities.mean())
    return result
