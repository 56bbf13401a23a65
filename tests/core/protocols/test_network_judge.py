"""The live judge of an opinion network: one call per answer, and no client left behind."""

from __future__ import annotations

import asyncio
import gc
import logging

import pytest

from convscope.core.protocols.network_scoring import network_opinion
from convscope.core.records import Turn
from tests.support.judged import judged_network
from tests.support.openai_sse_server import OpenAIStub, Reply


def answer(index: int) -> Turn:
    return Turn(index=index, round=0, agent_id="n0", nickname="N0", model="degroot:4",
                text="My opinion: 0.7000", started_at=0.0, ended_at=1.0)  # fmt: skip


def test_each_live_judge_call_closes_its_client_so_nothing_fails_when_it_is_collected(
    openai_stub: OpenAIStub, caplog: pytest.LogCaptureFixture
) -> None:
    """Each call runs on its own loop; a client left open there used to fail on collection,
    later, inside whatever loop was running ("Task exception was never retrieved")."""
    openai_stub.script(Reply("2"), Reply("-1"))
    opinion = network_opinion(judged_network(f"openai-compatible:{openai_stub.base_url}#judge"))
    assert [opinion(answer(0)), opinion(answer(1))] == [5 / 6, 2 / 6]

    async def collect_inside_a_running_loop() -> None:
        gc.collect()
        await asyncio.sleep(0.05)

    with caplog.at_level(logging.ERROR, logger="asyncio"):
        asyncio.run(collect_inside_a_running_loop())
        gc.collect()
    assert "Event loop is closed" not in caplog.text
