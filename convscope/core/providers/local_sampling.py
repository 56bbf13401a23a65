"""Choosing a reply's next token from the model's logits, one sequence at a time.

The fast runtime runs simultaneous turns as one batch, and a batch shares onnxruntime-genai's
one random stream: a turn's text would then depend on which other turns it was batched
with. Sampling here instead, with each turn's own seeded generator, makes a turn's text a
function of its prompt, parameters and seed alone (the model's logits for a row do not
depend on the batch: checked bit for bit). Pure numpy, tested without a model.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import numpy.typing as npt

from convscope.core.agents import GenerationParams

Logits = npt.NDArray[np.float32]


class TokenSampler:
    """Draws one sequence's tokens: greedy when the temperature is 0 or unset, else
    temperature and nucleus (top_p) sampling from a generator seeded with the turn's seed.

    The repetition penalty (as in transformers: a seen token's logit is divided by it when
    positive, multiplied when negative) applies to every token of the prompt and the reply.
    """

    def __init__(self, params: GenerationParams, prompt_ids: Iterable[int]) -> None:
        self._temperature = params.temperature or 0.0
        self._top_p = params.top_p if params.top_p is not None else 1.0
        self._penalty = params.repetition_penalty
        self._prompt_ids = list(prompt_ids)
        self._seen: npt.NDArray[np.bool_] | None = None  # sized on the first call, by the vocabulary
        self._random = np.random.default_rng(params.seed)

    def choose(self, logits: Logits) -> int:
        """The next token, given the logits of the vocabulary; remembers it as seen."""
        scores = self._penalised(logits)
        greedy = self._temperature <= 0
        token = int(np.argmax(scores)) if greedy else self._sample(scores / self._temperature)
        if self._seen is not None:
            self._seen[token] = True
        return token

    def _penalised(self, logits: Logits) -> npt.NDArray[np.floating]:
        if self._penalty == 1.0:
            return logits  # greedy needs no copy; sampling computes in float64 in _sample
        scores = logits.astype(np.float64)
        if self._seen is None:
            self._seen = np.zeros(scores.size, dtype=np.bool_)
            self._seen[self._prompt_ids] = True
        seen = scores[self._seen]
        scores[self._seen] = np.where(seen > 0, seen / self._penalty, seen * self._penalty)
        return scores

    def _sample(self, scores: npt.NDArray[np.floating]) -> int:
        scores = scores.astype(np.float64, copy=False)
        probabilities = np.exp(scores - scores.max())
        probabilities /= probabilities.sum()
        candidates = _nucleus(probabilities, self._top_p)
        weights = probabilities[candidates]
        return int(candidates[self._random.choice(weights.size, p=weights / weights.sum())])


def _nucleus(probabilities: npt.NDArray[np.float64], top_p: float) -> npt.NDArray[np.intp]:
    """The fewest most probable tokens whose probabilities add up to ``top_p`` (all for 1).

    Sorting 49,152 probabilities every token is slow; the nucleus is a prefix of the sorted
    order, so when the tokens above a small floor already hold ``top_p`` of the mass, only
    they need sorting (the result is the same), and only otherwise is everything sorted.
    """
    if top_p >= 1.0:
        return np.arange(probabilities.size)
    likely = np.flatnonzero(probabilities >= probabilities.max() * 1e-4)
    if probabilities[likely].sum() < top_p:
        likely = np.arange(probabilities.size)
    ordered = likely[np.argsort(-probabilities[likely], kind="stable")]
    cumulative = np.cumsum(probabilities[ordered])
    return ordered[: int(np.searchsorted(cumulative, top_p)) + 1]
