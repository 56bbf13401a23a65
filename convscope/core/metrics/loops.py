"""Loop detection (the relay paper): outputs that keep repeating, read from distances.

Each output (a "step") is compared with the previous output and with the same agent's
previous output, on every enabled distance: BLEU distance, Jaccard distance, coherence
change, and cosine distance of MiniLM embeddings when embeddings are given. A comparison
converges when every enabled distance is at or below its threshold; a step converges
when either of its comparisons does (repeating the other agent and repeating oneself are
both loops: two agents alternating two fixed texts never match the previous output but
always match their own). A loop starts at the first of ``min_steps`` (3) or more
consecutive converged steps.

Whether a step converged is a pure function of its stored distances and the thresholds,
so changing the thresholds mid-run re-reads the whole history at no cost: live and replay
agree whatever the order in which a person moved the sliders.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field

from convscope.core.metrics.embeddings import cosine_distance
from convscope.core.metrics.lexical import BleuText, bleu_text_distance, set_jaccard_distance, token_coherence
from convscope.core.metrics.tokenize import words

DISTANCES = ("bleu", "jaccard", "coherence_change", "cosine")

Distances = dict[str, float | None]  # one value per name in DISTANCES; None: not measured


class LoopThresholds(BaseModel):
    """The thresholds a distance must be at or below for a step to count as converged.

    The relay paper used these four distances and "3 or more consecutive steps" but prints no
    threshold values (it calls them manually calibrated). Ours come from the War Room
    transcripts (every fourth of the 208 runs: about 3,300 comparisons of a message with the
    previous one, by another agent, and 3,000 with the same agent's previous message; cosine
    on a 200-pair sample). Between different agents' consecutive messages the 5% quantiles
    are BLEU distance 0.60, Jaccard distance 0.48 and cosine distance 0.18, while an agent
    repeating itself sits at 0. With these defaults 2% of the cross-agent comparisons
    converge on the lexical distances and 24% of the self-comparisons, almost all verbatim
    repeats (one self-comparison in ten is an exact copy):
    - ``bleu`` 0.5: BLEU of 50 or more, which in machine translation reads as a near copy;
    - ``jaccard`` 0.3: at least 70% of the two outputs' vocabulary shared;
    - ``coherence_change`` 0.1: the share of unique words moved by at most 0.1 (on its own
      this passes half of all pairs: it only vetoes a step whose repetitiveness jumped);
    - ``cosine`` 0.1: MiniLM cosine similarity of 0.9 or more (2% of cross-agent pairs);
    - ``min_steps`` 3: the relay paper's "3 or more consecutive steps".
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    bleu: float = Field(default=0.5, ge=0.0, le=1.0)
    jaccard: float = Field(default=0.3, ge=0.0, le=1.0)
    coherence_change: float = Field(default=0.1, ge=0.0, le=1.0)
    cosine: float = Field(default=0.1, ge=0.0, le=2.0)
    min_steps: int = Field(default=3, ge=1)

    def limit(self, distance: str) -> float:
        return float(getattr(self, distance))


def comparison_converges(distances: Distances | None, thresholds: LoopThresholds) -> bool:
    """True when every measured distance is at or below its threshold (None: no comparison)."""
    if distances is None:
        return False
    return all(value <= thresholds.limit(name) for name, value in distances.items() if value is not None)


@dataclass(frozen=True)
class Output:
    """An output with what the distances need, computed once."""

    bleu: BleuText = field(repr=False)
    vocabulary: frozenset[str]
    coherence: float
    embedding: NDArray[np.float32] | None = field(default=None, repr=False)

    @classmethod
    def of(cls, text: str, embedding: NDArray[np.float32] | None = None) -> Output:
        tokens = words(text)
        return cls(BleuText.of(text), frozenset(tokens), token_coherence(tokens), embedding)


def distances_between(current: Output, previous: Output) -> Distances:
    """All four distances of ``current`` from ``previous``; cosine only when both have embeddings."""
    cosine = None
    if current.embedding is not None and previous.embedding is not None:
        cosine = cosine_distance(current.embedding, previous.embedding)
    return {
        "bleu": bleu_text_distance(current.bleu, previous.bleu),
        "jaccard": set_jaccard_distance(current.vocabulary, previous.vocabulary),
        "coherence_change": abs(current.coherence - previous.coherence),
        "cosine": cosine,
    }


@dataclass(frozen=True)
class Step:
    """One output's comparisons; ``key`` is the caller's name for it (e.g. a turn index)."""

    key: int
    agent: Hashable
    previous: Distances | None  # vs the previous output; None for the first output
    own: Distances | None  # vs the same agent's previous output; None for its first

    def converges(self, thresholds: LoopThresholds) -> bool:
        return comparison_converges(self.previous, thresholds) or comparison_converges(self.own, thresholds)


class LoopDetector:
    """Feed outputs one at a time; read the distances, the run of converged steps, the loop."""

    def __init__(self, thresholds: LoopThresholds | None = None) -> None:
        self.thresholds = thresholds or LoopThresholds()
        self.steps: list[Step] = []
        self._converged: list[bool] = []
        self._last: Output | None = None
        self._last_by_agent: dict[Hashable, Output] = {}
        self.converged_steps = 0  # length of the run of converged steps ending at the last step
        self.onset: int | None = None  # key of the first step of the first loop

    def feed(
        self,
        text: str,
        *,
        agent: Hashable = None,
        key: int | None = None,
        embedding: NDArray[np.float32] | None = None,
    ) -> Step:
        """Add one output (``key`` defaults to its position) and update the loop state."""
        output = Output.of(text, embedding)
        own_previous = self._last_by_agent.get(agent)
        previous = None if self._last is None else distances_between(output, self._last)
        if own_previous is None:
            own = None
        elif own_previous is self._last:
            own = previous
        else:
            own = distances_between(output, own_previous)
        step = Step(len(self.steps) if key is None else key, agent, previous, own)
        self.steps.append(step)
        self._last = self._last_by_agent[agent] = output
        self._advance(len(self.steps) - 1, step.converges(self.thresholds))
        return step

    def set_thresholds(self, thresholds: LoopThresholds) -> None:
        """Adopt new thresholds and re-read the whole history with them."""
        self.thresholds = thresholds
        self._converged = []
        self.converged_steps = 0
        self.onset = None
        for position, step in enumerate(self.steps):
            self._advance(position, step.converges(thresholds))

    def _advance(self, position: int, converged: bool) -> None:
        """Account for step ``position`` having converged or not."""
        self._converged.append(converged)
        self.converged_steps = self.converged_steps + 1 if converged else 0
        if self.onset is None and self.converged_steps >= self.thresholds.min_steps:
            self.onset = self.steps[position + 1 - self.converged_steps].key

    @property
    def detected(self) -> bool:
        """A loop happened at some point (it may have been broken since)."""
        return self.onset is not None

    @property
    def active(self) -> bool:
        """The outputs are looping right now."""
        return self.converged_steps >= self.thresholds.min_steps

    @property
    def converged(self) -> list[bool]:
        """Whether each step converged, under the current thresholds."""
        return list(self._converged)

    @property
    def last(self) -> Step | None:
        return self.steps[-1] if self.steps else None


@dataclass(frozen=True)
class LoopReport:
    detected: bool
    onset: int | None
    converged: list[bool]
    steps: list[Step]


def detect_loops(
    texts: Sequence[str],
    *,
    agents: Sequence[Hashable] | None = None,
    thresholds: LoopThresholds | None = None,
    embeddings: Iterable[NDArray[np.float32]] | None = None,
) -> LoopReport:
    """Run a :class:`LoopDetector` over a whole sequence of outputs (keys are positions).

    Without ``agents`` every output is its own speaker's only output, so only the
    comparison with the previous output counts, as in a single stream.
    """
    detector = LoopDetector(thresholds)
    speakers: Sequence[Hashable] = agents if agents is not None else range(len(texts))
    vectors: list[NDArray[np.float32] | None] = (
        list(embeddings) if embeddings is not None else [None] * len(texts)
    )
    if not len(speakers) == len(vectors) == len(texts):
        raise ValueError("texts, agents and embeddings must have the same length")
    for text, agent, vector in zip(texts, speakers, vectors, strict=True):
        detector.feed(text, agent=agent, embedding=vector)
    return LoopReport(detector.detected, detector.onset, detector.converged, list(detector.steps))


def thresholds_from(values: Mapping[str, float | int], base: LoopThresholds | None = None) -> LoopThresholds:
    """``base`` with some fields replaced, validated (e.g. from a settings form or a control record)."""
    return LoopThresholds.model_validate({**(base or LoopThresholds()).model_dump(), **values})
