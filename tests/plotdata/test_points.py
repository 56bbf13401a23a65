"""Recomputing a saved session's points: a judge-scored network reads the scores it recorded
live and never calls its judge again (replay costs nothing and needs no key)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from convscope.core.snapshot import Snapshot
from convscope.plotdata.points import recompute_points
from tests.support.judged import RATINGS, judged_network, record_judged_session
from tests.support.openai_sse_server import OpenAIStub


def values_of(points: list[Snapshot], key: str) -> list[tuple[int | None, object]]:
    """``key`` of every point that has it (``opinion.score``: turn points only)."""
    return [(point.turn_index, point.values[key]) for point in points if key in point.values]


async def test_a_judged_session_recomputes_its_recorded_disagreement_without_calling_the_judge(
    tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    document = await record_judged_session(tmp_path, openai_stub)
    judged = len(openai_stub.requests)
    saved = document.metrics
    assert judged == len(RATINGS)
    assert sorted(v for _, v in values_of(saved, "opinion.score") if v is not None) == sorted(
        (int(r) + 3) / 6 for r in RATINGS
    )
    recomputed = await asyncio.to_thread(recompute_points, document)  # as the replay screen does
    assert len(openai_stub.requests) == judged  # the judge was not asked again
    assert values_of(recomputed, "opinion.score") == values_of(saved, "opinion.score")
    assert values_of(recomputed, "disagreement.std") == pytest.approx(values_of(saved, "disagreement.std"))
    assert any(v is not None for _, v in values_of(recomputed, "disagreement.std"))


async def test_a_judged_session_saved_without_scores_recomputes_none_and_needs_no_judge_key(
    tmp_path: Path, openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    recorded = await record_judged_session(tmp_path, openai_stub)
    judged = len(openai_stub.requests)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    before_scores = recorded.model_copy(  # as saved before scores were recorded, judged by a keyless model
        update={
            "config": judged_network("openai:gpt-5-nano"),
            "metrics": [
                Snapshot(p.turn_index, p.round, {k: v for k, v in p.values.items() if k != "opinion.score"})
                for p in recorded.metrics
            ],
        }
    )
    recomputed = await asyncio.to_thread(recompute_points, before_scores)
    assert len(openai_stub.requests) == judged
    assert len(recomputed) == len(recorded.metrics)
    assert all(point.values["opinion.score"] is None for point in recomputed if point.turn_index is not None)
    assert all(point.values["disagreement.std"] is None for point in recomputed)
