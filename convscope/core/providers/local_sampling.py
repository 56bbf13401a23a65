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
# Tokens less likely than this fraction of the most likely one: the long tail, rarely drawn.
_FLOOR = 1e-4


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
        token = int(np.argmax(scores)) if greedy else self._sample(scores / np.float32(self._temperature))
        if self._seen is not None:
            self._seen[token] = True
        return token

    def _penalised(self, logits: Logits) -> Logits:
        if self._penalty == 1.0:
            return logits  # greedy needs no copy
        scores = logits.astype(np.float32)  # a copy
        if self._seen is None:
            self._seen = np.zeros(scores.size, dtype=np.bool_)
            self._seen[self._prompt_ids] = True
        seen = scores[self._seen]
        scores[self._seen] = np.where(seen > 0, seen / self._penalty, seen * self._penalty)
        return scores

    def _sample(self, scores: Logits) -> int:
        # float32 throughout: numpy's float64 exp over the vocabulary alone took 0.5 ms a token.
        probabilities = np.exp(scores - scores.max())
        if self._top_p >= 1.0:
            return self._draw(probabilities)
        probabilities /= probabilities.sum()
        candidates = _nucleus(probabilities, self._top_p)
        return int(candidates[self._draw(probabilities[candidates])])

    def _draw(self, weights: Logits) -> int:
        """An index drawn with probability proportional to ``weights``, from one uniform number.

        The tokens above a small floor hold nearly all the mass: their running sum is searched
        first, and the long tail's only when the draw falls in it (rarely), so the exact
        distribution costs a fraction of ``Generator.choice(p=...)``, which cost about 1 ms a
        token over the whole vocabulary, once per row of a batch.
        """
        target = self._random.random() * float(weights.sum())
        above = weights >= weights.max() * _FLOOR
        likely = np.flatnonzero(above)
        cumulative = np.cumsum(weights[likely])
        if target < cumulative[-1]:
            return int(likely[np.searchsorted(cumulative, target, side="right")])
        tail = np.flatnonzero(~above)
        if not tail.size:  # the draw fell past the sum by rounding
            return int(likely[-1])
        cumulative = np.cumsum(weights[tail])
        index = np.searchsorted(cumulative, target - float(weights[likely].sum()), side="right")
        return int(tail[min(int(index), tail.size - 1)])


def _nucleus(probabilities: Logits, top_p: float) -> npt.NDArray[np.intp]:
    """The fewest most probable tokens whose probabilities add up to ``top_p`` (all for 1).

    Sorting 49,152 probabilities every token is slow; the nucleus is a prefix of the sorted
    order, so when the tokens above a small floor already hold ``top_p`` of the mass, only
    they need sorting (the result is the same), and only otherwise is everything sorted.
    """
    if top_p >= 1.0:
        return np.arange(probabilities.size)
    likely = np.flatnonzero(probabilities >= probabilities.max() * _FLOOR)
    if probabilities[likely].sum() < top_p:
        likely = np.arange(probabilities.size)
    ordered = likely[np.argsort(-probabilities[likely], kind="stable")]
    cumulative = np.cumsum(probabilities[ordered])
    return ordered[: int(np.searchsorted(cumulative, top_p)) + 1]
