"""A saved session's live measures read back: a judge is never asked twice about one answer."""

from __future__ import annotations

import asyncio
from pathlib import Path

from convscope.core.records import Turn
from convscope.sessions.saved_measures import recorded_scores, resumed_tracker
from convscope.sweep.results import session_row
from tests.support.judged import RATINGS, record_judged_session
from tests.support.openai_sse_server import OpenAIStub, Reply


async def test_a_resumed_session_reads_its_recorded_scores_and_judges_only_new_turns(
    tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    document = await record_judged_session(tmp_path, openai_stub)
    assert len(openai_stub.requests) == len(RATINGS)
    tracker = await asyncio.to_thread(resumed_tracker, document)  # the saved turns, seen again
    assert len(openai_stub.requests) == len(RATINGS)
    assert tracker.loops.steps  # it has taken the saved turns in: loops pick up where they were
    openai_stub.script(Reply("-1"))
    new = Turn(index=len(document.turns), round=2, agent_id="n0", nickname="N0", model="degroot:4",
               text="I now think 0.3.", started_at=0.0, ended_at=1.0)  # fmt: skip
    assert tracker.opinion is not None
    assert await asyncio.to_thread(tracker.opinion, new) == (-1 + 3) / 6
    assert len(openai_stub.requests) == len(RATINGS) + 1  # the new answer, and only it


async def test_a_sweep_row_uses_the_recorded_scores_for_its_consensus_columns(
    tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    document = await record_judged_session(tmp_path, openai_stub)
    row = await session_row(document)
    assert len(openai_stub.requests) == len(RATINGS)  # not judged a second time
    assert isinstance(row["consensus.final_std"], float) and row["consensus.accuracy"] >= 0.0
    assert sorted(s for s in recorded_scores(document).values() if s is not None) == sorted(
        (int(r) + 3) / 6 for r in RATINGS
    )
