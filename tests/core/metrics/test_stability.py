"""Code stability, token retention and TF-IDF self-consistency, by hand and against scikit-learn."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from convscope.core.metrics.stability import (
    code_stability,
    mean_token_retention,
    self_consistency,
    token_retention,
)
from convscope.core.metrics.tokenize import words


def test_code_stability_is_the_share_of_identical_consecutive_rounds_after_whitespace_normalisation() -> None:
    outputs = [
        "Urban compassion fatigue",
        "Urban  compassion\nfatigue ",
        "Policy critique",
        "Policy critique",
    ]
    assert code_stability(outputs) == pytest.approx(2 / 3)
    assert code_stability(["only one round"]) is None


def test_identity_is_case_and_punctuation_sensitive() -> None:
    assert code_stability(["Policy critique", "policy critique", "Policy critique."]) == 0.0


def test_token_retention_is_the_share_of_tokens_a_diff_keeps_in_place() -> None:
    # LCS of (a b c d) and (a c d e) is (a c d): 2 * 3 / (4 + 4)
    assert token_retention("a b c d", "a c d e") == pytest.approx(0.75)
    assert token_retention("same words here", "Same words, here!") == 1.0
    assert token_retention("nothing shared", "entirely different") == 0.0
    assert token_retention("", "") == 1.0
    assert token_retention("a b", "b a") == token_retention("b a", "a b") == 0.5


def test_mean_token_retention_averages_consecutive_pairs() -> None:
    assert mean_token_retention(["a b c d", "a c d e", "a c d e"]) == pytest.approx((0.75 + 1.0) / 2)
    assert mean_token_retention(["alone"]) is None


def test_self_consistency_is_the_tfidf_cosine_of_consecutive_outputs_fitted_on_the_session() -> None:
    session = {
        "llama": ["Challenging sexist stereotypes", "Challenging sexist stereotypes in media"],
        "gemma": [
            "Gendered representation in mining media",
            "Challenging media stereotypes",
            "Media stereotypes",
        ],
        "mistral": ["Misguided compassion"],
    }
    vectoriser = TfidfVectorizer(tokenizer=words, lowercase=False, token_pattern=None)
    vectoriser.fit([text for texts in session.values() for text in texts])

    def cosine(a: str, b: str) -> float:
        u, v = vectoriser.transform([a, b]).toarray()
        return float(u @ v / (np.linalg.norm(u) * np.linalg.norm(v)))

    result = self_consistency(session)
    assert result["llama"] == pytest.approx(cosine(*session["llama"]))
    gemma = session["gemma"]
    assert result["gemma"] == pytest.approx((cosine(gemma[0], gemma[1]) + cosine(gemma[1], gemma[2])) / 2)
    assert result["mistral"] is None


def test_self_consistency_depends_on_the_session_it_is_fitted_on() -> None:
    pair = ["Compassion fatigue and policy critique", "Compassion fatigue"]
    alone = self_consistency({"a": pair})["a"]
    with_others = self_consistency({"a": pair, "b": ["policy critique", "policy critique", "policy"]})["a"]
    assert alone is not None and with_others is not None
    assert alone != pytest.approx(with_others)


def test_self_consistency_of_textless_outputs_is_undefined() -> None:
    assert self_consistency({"a": ["", "..."]}) == {"a": None}
