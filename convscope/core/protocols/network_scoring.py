"""Opinion scores of a network session: the scorer its config names, live and afterwards.

Live, the metrics tracker calls a synchronous function once per answer, in its worker
thread (:func:`network_opinion`); a replay reads the scores a judge gave live instead.
Afterwards, :func:`consensus_of` scores every answer in one batch and sets the run against
the DeGroot theory (the opinion-network paper's analysis).
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar, cast

import numpy as np
from numpy.typing import NDArray

from convscope.core.config import SessionConfig
from convscope.core.metrics.opinion import JudgeScorer, OpinionScorer, ScorerKind, make_scorer
from convscope.core.metrics.opinion_dynamics import ConsensusReport, consensus_report
from convscope.core.metrics.tracker import OpinionFn
from convscope.core.protocols.base import parse_options
from convscope.core.protocols.network import NetworkOptions, NetworkTheory, network_theory
from convscope.core.providers.base import close_provider
from convscope.core.providers.factory import build_provider
from convscope.core.records import Turn, agent_turns

T = TypeVar("T")


def network_scorer(config: SessionConfig) -> OpinionScorer:
    """The opinion scorer the config names, on the network's topic."""
    options = parse_options(NetworkOptions, config)
    topic = network_theory(config).topic
    judge = options.judge_agent()
    if judge is None:
        return make_scorer(cast(ScorerKind, options.scorer), topic=topic)
    return make_scorer("judge", topic=topic, provider=build_provider(judge, None, config.seed))


def _judged(config: SessionConfig) -> bool:
    """Scored by an LLM judge: a paid call per answer, so recorded scores are read, not redone."""
    return parse_options(NetworkOptions, config).judge_agent() is not None


def network_opinion(
    config: SessionConfig,
    *,
    recorded: Mapping[int, float | None] | None = None,
    judge_new_turns: bool = False,
) -> OpinionFn:
    """One answer -> its score, synchronously (for the tracker's thread, where no loop runs).

    A judge is rebuilt for every call, and closed before its loop ends: its HTTP client
    belongs to the event loop it was first used on, and each call here runs its own loop.
    Given the scores a saved session ``recorded`` live (by turn index), a judge is not asked
    again about those turns: each gets its recorded score; a turn with none gets None in a
    replay, and the judge's score when ``judge_new_turns`` (a resumed session going on).
    The other scorers are cheap and score again.
    """
    judged = _judged(config)
    if judged and recorded is not None:
        if not judge_new_turns:
            return lambda turn: recorded.get(turn.index)
        judge = network_opinion(config)
        return lambda turn: recorded[turn.index] if turn.index in recorded else judge(turn)
    scorer = network_scorer(config)  # now, so that a judge without its key fails before the first turn
    if judged:
        return lambda turn: _run_now(_judge_once(config, turn.text))
    return lambda turn: _run_now(scorer.score([turn.text]))[0]


def _run_now(coroutine: Coroutine[Any, Any, T]) -> T:
    """Run ``coroutine`` to its end from synchronous code: in this thread when no event loop
    runs here (the live tracker's worker thread), else in a thread of its own (a report or a
    summary built from inside a running loop, where ``asyncio.run`` is refused)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


async def _judge_once(config: SessionConfig, text: str) -> float | None:
    judge = cast(JudgeScorer, network_scorer(config))
    try:
        return (await judge.score([text]))[0]
    finally:
        await close_provider(judge.provider)


def score_matrix(
    theory: NetworkTheory, turns: Sequence[Turn], scores: Sequence[float | None]
) -> NDArray[np.float64]:
    """(rounds, agents) scores in the theory's agent order, NaN where a turn failed, said
    nothing (``Turn.spoke``, as live) or was unreadable."""
    rounds = 1 + max((turn.round for turn in turns), default=-1)
    matrix = np.full((rounds, len(theory.agents)), np.nan)
    column = {agent: position for position, agent in enumerate(theory.agents)}
    for turn, score in zip(turns, scores, strict=True):
        if turn.spoke and score is not None:
            matrix[turn.round, column[turn.agent_id]] = score
    return matrix


async def consensus_of(
    config: SessionConfig,
    turns: Sequence[Turn],
    scorer: OpinionScorer | None = None,
    *,
    recorded: Mapping[int, float | None] | None = None,
) -> tuple[ConsensusReport, NDArray[np.float64]]:
    """Score every answer and compare the run with DeGroot: the report and the score matrix.

    A judge's scores ``recorded`` live (by turn index) are used as they are, never asked again.
    """
    theory = network_theory(config)
    turns = agent_turns(turns)  # the people's messages are nobody's opinion
    if _judged(config) and recorded is not None:
        scores = [recorded.get(turn.index) for turn in turns]
    else:
        scores = await (scorer or network_scorer(config)).score([turn.text for turn in turns])
    matrix = score_matrix(theory, turns, scores)
    return consensus_report(theory.matrix, theory.initial, matrix), matrix
