"""Opinion scorers: the judge's parsing and mapping, stated numbers, embedding anchors, VADER."""

from __future__ import annotations

import importlib.util
from collections.abc import AsyncIterator

import pytest

from convscope.core.metrics.opinion import (
    EmbeddingScorer,
    JudgeScorer,
    PatternScorer,
    VaderScorer,
    make_scorer,
    parse_judge_rating,
    parse_stated_opinion,
)
from convscope.core.providers.base import ChatRequest, Provider, Restart, StreamItem, Usage


class ScriptedJudge:
    """Test data: answers each request with the next scripted reply, streamed in pieces."""

    name = "scripted:judge"

    def __init__(self, replies: list[list[StreamItem]]) -> None:
        self.replies = replies
        self.requests: list[ChatRequest] = []

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        self.requests.append(request)
        for item in self.replies[len(self.requests) - 1]:
            yield item


@pytest.mark.parametrize(
    ("answer", "rating"),
    [
        ("2", 2),
        ("-3", -3),
        ("**-2**", -2),
        ("Rating: −1.", -1),  # a Unicode minus sign
        ("I rate it +3", 3),
        ("0", 0),
        ("The stance is -2 (against).", -2),
        ("On the -3 to 3 scale I would say 1", 1),
        ("From -3 (strongly against) through 0 (neutral) to 3: 2", 2),
    ],
)
def test_judge_answers_are_read_as_an_integer_from_minus_three_to_three(answer: str, rating: int) -> None:
    assert parse_judge_rating(answer) == rating


@pytest.mark.parametrize("answer", ["2.5", "Score: 10", "I cannot rate this.", ""])
def test_judge_answers_without_a_valid_rating_are_unreadable(answer: str) -> None:
    assert parse_judge_rating(answer) is None


async def test_judge_scorer_maps_ratings_to_the_unit_interval_and_asks_about_the_topic() -> None:
    judge = ScriptedJudge([["-", "3"], ["0"], ["Rating", ": 3", Usage(10, 1)], ["no idea"]])
    scorer = JudgeScorer(judge, "Veganism")
    assert isinstance(judge, Provider)
    scores = await scorer.score(["Meat is essential.", "Hm.", "Go vegan!", "???"])
    assert scores == [0.0, 0.5, 1.0, None]
    request = judge.requests[0]
    assert "Veganism" in request.messages[-1].content
    assert "Meat is essential." in request.messages[-1].content
    assert request.params.temperature == 0.0


async def test_judge_reads_only_the_answer_after_a_retried_stream() -> None:
    judge = ScriptedJudge([["-", Restart(attempt=1, reason="timeout", delay_s=0.0), "2"]])
    assert await JudgeScorer(judge, "Bitcoin").score(["Bitcoin is fine."]) == [pytest.approx(5 / 6)]


@pytest.mark.parametrize(
    ("text", "opinion"),
    [
        ("My opinion: 0.62", 0.62),
        ("opinion is 1", 1.0),
        ("OPINION = .5", 0.5),
        ("My opinion: **0.3**", 0.3),
        ("Agent B's opinion: 0.2. Weighing it, my opinion: 0.45.", 0.45),
    ],
)
def test_pattern_reads_the_last_stated_opinion(text: str, opinion: float) -> None:
    assert parse_stated_opinion(text) == opinion


@pytest.mark.parametrize(
    "text", ["My opinion: 1.5", "opinion: 10", "My opinions vary, 0.3 maybe", "No number."]
)
def test_pattern_ignores_numbers_that_are_not_a_stated_opinion_in_range(text: str) -> None:
    assert parse_stated_opinion(text) is None


async def test_pattern_scorer_scores_a_round_and_marks_unreadable_answers() -> None:
    assert await PatternScorer().score(["My opinion: 0.25", "I refuse."]) == [0.25, None]


@pytest.mark.slow
async def test_embedding_scorer_puts_the_anchors_at_the_ends_and_stances_on_their_sides() -> None:
    scorer = EmbeddingScorer("remote work")
    pro, con = await scorer.score(
        [
            "Remote work is wonderful: no commute, more focus, happier teams.",
            "Remote work is terrible: isolation, lost collaboration, weaker teams.",
        ]
    )
    assert pro is not None
    assert con is not None
    assert pro > 0.5 > con
    assert scorer.score_now([scorer.for_anchor, scorer.against_anchor]) == [
        pytest.approx(1.0),
        pytest.approx(0.0),
    ]


@pytest.mark.skipif(
    importlib.util.find_spec("vaderSentiment") is not None, reason="vaderSentiment is installed"
)
def test_vader_without_its_package_names_the_package_to_install() -> None:
    with pytest.raises(RuntimeError, match="vaderSentiment"):
        VaderScorer()


@pytest.mark.skipif(
    importlib.util.find_spec("vaderSentiment") is None, reason="vaderSentiment is not installed"
)
async def test_vader_maps_compound_sentiment_to_the_unit_interval() -> None:
    good, bad = await VaderScorer().score(["I love this, it is great!", "I hate this, it is awful."])
    assert good is not None
    assert bad is not None
    assert 1.0 >= good > 0.5 > bad >= 0.0


def test_make_scorer_needs_a_provider_for_the_judge_and_rejects_unknown_kinds() -> None:
    with pytest.raises(ValueError, match="provider"):
        make_scorer("judge", topic="Vaping")
    with pytest.raises(ValueError, match="unknown opinion scorer"):
        make_scorer("sentiment", topic="Vaping")  # type: ignore[arg-type]
    assert isinstance(make_scorer("pattern", topic="Vaping"), PatternScorer)
    assert isinstance(make_scorer("judge", topic="Vaping", provider=ScriptedJudge([])), JudgeScorer)
