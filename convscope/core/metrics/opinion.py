"""Opinion scorers for the opinion network: text -> a stance score in [0, 1] (0 against, 1 for).

Four interchangeable scorers (REFERENCE.md):

- ``judge``: an LLM rates the stance as an integer -3..3, mapped to (s + 3) / 6 (the opinion-network paper's
  method, which used gpt-5-nano);
- ``embedding``: MiniLM cosine to a "for" anchor minus cosine to an "against" anchor;
- ``vader``: VADER sentiment. It measures *tone, not stance*: "I'm glad vaping is finally
  being banned" is positive in tone and against vaping. Offered because the paper calls its
  score "sentiment" and VADER is a cheap offline baseline, never as a stance measure;
- ``pattern``: reads a number the agent states ("My opinion: 0.62"), for scripted agents
  whose opinion is known exactly, so the analysis can be checked against DeGroot theory.

A scorer returns ``None`` for a text it cannot read rather than inventing a neutral 0.5;
the dynamics skip missing scores.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from typing import Any, Literal, Protocol

import numpy as np

from convscope.core.agents import GenerationParams
from convscope.core.metrics.embeddings import Embedder, default_embedder
from convscope.core.providers.base import ChatMessage, ChatRequest, Provider, Restart

ScorerKind = Literal["judge", "embedding", "vader", "pattern"]


class OpinionScorer(Protocol):
    """Scores a batch of texts (one round's answers) on the scorer's topic."""

    name: str

    async def score(self, texts: Sequence[str]) -> list[float | None]: ...


JUDGE_SYSTEM = "You rate the stance of a text on a topic. Answer with one integer and nothing else."
JUDGE_PROMPT = (
    "Topic: {topic}\n\nText:\n{text}\n\n"
    "On a scale from -3 (strongly against {topic}) through 0 (neutral) to 3 (strongly for {topic}), "
    "what is the stance of this text? Answer with a single integer."
)
# An echo of the scale ("-3 to 3", "from -3 through 0 to 3") must not be read as the rating.
_SCALE_ECHO = re.compile(
    r"[-−–]\s?3\s*(?:\(.*?\)\s*)?(?:to|and|through|[-–/])\s*(?:0\s*(?:\(.*?\)\s*)?(?:to|and)\s*)?\+?3"
)
_SIGNED_INTEGER = re.compile(r"(?<![\w.])([-−–+]?)\s?(\d+)(?![\w]|[.,]\d)")


def parse_judge_rating(answer: str) -> int | None:
    """The first integer in -3..3 in a judge's answer, tolerant of prose, markdown and '−'."""
    cleaned = _SCALE_ECHO.sub(" ", answer)
    for sign, digits in _SIGNED_INTEGER.findall(cleaned):
        value = -int(digits) if sign in ("-", "−", "–") else int(digits)
        if -3 <= value <= 3:
            return value
    return None


class JudgeScorer:
    """An LLM judge (the opinion-network paper): one call per text, temperature 0, rating -> (s + 3) / 6."""

    name = "judge"

    def __init__(self, provider: Provider, topic: str, *, max_tokens: int = 16) -> None:
        self.provider = provider
        self.topic = topic
        self.params = GenerationParams(temperature=0.0, max_tokens=max_tokens)

    async def score(self, texts: Sequence[str]) -> list[float | None]:
        ratings = await asyncio.gather(*(self._rate(text) for text in texts))
        return [None if rating is None else (rating + 3) / 6 for rating in ratings]

    async def _rate(self, text: str) -> int | None:
        request = ChatRequest(
            messages=(
                ChatMessage("system", JUDGE_SYSTEM),
                ChatMessage("user", JUDGE_PROMPT.format(topic=self.topic, text=text)),
            ),
            params=self.params,
        )
        parts: list[str] = []
        async for item in self.provider.stream(request):
            if isinstance(item, Restart):
                parts.clear()
            elif isinstance(item, str):
                parts.append(item)
        return parse_judge_rating("".join(parts))


class EmbeddingScorer:
    """Cosine to a "for" anchor minus cosine to an "against" anchor, calibrated on the anchors.

    With d(x) = cos(x, for) - cos(x, against) and c = cos(for, against), the score is
    0.5 + d(x) / (2 (1 - c)) clipped to [0, 1]: the "for" anchor itself scores 1, the
    "against" anchor 0, a text equally close to both 0.5. (Raw d rarely leaves ±0.3, so
    a fixed (d + 2) / 4 would squeeze every opinion into the middle.)
    """

    name = "embedding"

    def __init__(
        self,
        topic: str,
        *,
        embedder: Embedder | None = None,
        for_anchor: str | None = None,
        against_anchor: str | None = None,
    ) -> None:
        self.embedder = embedder or default_embedder()
        self.for_anchor = for_anchor or f"I am strongly in favour of {topic}. {topic} is good."
        self.against_anchor = against_anchor or f"I am strongly against {topic}. {topic} is bad."

    async def score(self, texts: Sequence[str]) -> list[float | None]:
        return await asyncio.to_thread(self.score_now, texts)

    def score_now(self, texts: Sequence[str]) -> list[float | None]:
        """The synchronous path, for analysis code that is not running an event loop."""
        anchors = self.embedder.encode([self.for_anchor, self.against_anchor]).astype(np.float64)
        vectors = self.embedder.encode(texts).astype(np.float64)
        difference = vectors @ (anchors[0] - anchors[1])
        scale = 2.0 * (1.0 - float(anchors[0] @ anchors[1]))
        return [float(value) for value in np.clip(0.5 + difference / scale, 0.0, 1.0)]


class VaderScorer:
    """VADER compound sentiment mapped to (c + 1) / 2. Sentiment, not stance (see module doc)."""

    name = "vader"

    def __init__(self) -> None:
        try:
            from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer
        except ImportError as error:
            raise RuntimeError(
                "the 'vader' opinion scorer needs the vaderSentiment package: pip install vaderSentiment"
            ) from error
        self._analyzer: Any = SentimentIntensityAnalyzer()

    async def score(self, texts: Sequence[str]) -> list[float | None]:
        return [(float(self._analyzer.polarity_scores(text)["compound"]) + 1.0) / 2.0 for text in texts]


_STATED_OPINION = re.compile(
    r"\bopinion\b\s*(?:is|[:=])?\s*\**\s*([01](?:\.\d+)?|\.\d+)(?![\d.]*\d)", re.IGNORECASE
)


def parse_stated_opinion(text: str) -> float | None:
    """The last number in [0, 1] stated as "opinion: x" / "opinion is x" / "opinion = x"."""
    matches = [float(value) for value in _STATED_OPINION.findall(text)]
    valid = [value for value in matches if 0.0 <= value <= 1.0]
    return valid[-1] if valid else None


class PatternScorer:
    """Reads the opinion a scripted agent states; the last statement wins (its own, after quotes)."""

    name = "pattern"

    async def score(self, texts: Sequence[str]) -> list[float | None]:
        return [parse_stated_opinion(text) for text in texts]


def make_scorer(
    kind: ScorerKind, *, topic: str, provider: Provider | None = None, embedder: Embedder | None = None
) -> OpinionScorer:
    """The scorer named in a session's settings."""
    if kind == "judge":
        if provider is None:
            raise ValueError("the 'judge' scorer needs a provider")
        return JudgeScorer(provider, topic)
    if kind == "embedding":
        return EmbeddingScorer(topic, embedder=embedder)
    if kind == "vader":
        return VaderScorer()
    if kind == "pattern":
        return PatternScorer()
    raise ValueError(f"unknown opinion scorer {kind!r}; choose judge, embedding, vader or pattern")
