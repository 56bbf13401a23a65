"""A person speaking into, and interrupting, a conversation of the real embedded model."""

from __future__ import annotations

import asyncio
import time

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import Event, TokenDelta
from convscope.core.records import HUMAN_ID
from tests.core.engine_support import EventLog

PARAMS = {"temperature": 0.6, "max_tokens": 120}


@pytest.mark.slow
async def test_an_interrupted_local_turn_keeps_its_text_and_the_next_agent_reads_it_and_the_message() -> None:
    agents = tuple(
        AgentSpec(id=name.lower(), nickname=f"Agent-{name}", provider="local:smollm2-135m", params=PARAMS)
        for name in "AB"
    )
    engine = Engine(SessionConfig(brief="Plan a picnic.", rounds=1, agents=agents))
    log = EventLog(engine)
    streamed: list[str] = []

    def interrupt_after_five_tokens(event: Event) -> None:
        if isinstance(event, TokenDelta) and event.turn_index == 1:
            streamed.append(event.text)
            if len(streamed) == 5:
                engine.interrupt()

    engine.subscribe(interrupt_after_five_tokens)
    engine.say("Bring a kite.", speaker="Ada")
    run = asyncio.create_task(engine.run())
    deadline = time.monotonic() + 120
    while engine.state != "paused":
        assert time.monotonic() < deadline and not run.done()
        await asyncio.sleep(0.05)

    human, cut = engine.transcript
    assert human.agent_id == HUMAN_ID and "Ada: Bring a kite." in log.prompts[0][-1].content
    assert cut.interrupted and not cut.failed
    assert cut.text == "".join(streamed) and cut.text.strip()
    engine.resume()
    await asyncio.wait_for(run, 120)

    last = engine.transcript[-1]
    assert (last.agent_id, last.cut_by, last.failed) == ("b", None, False)
    assert f"Agent-A: {cut.text.strip()}" in log.prompts[1][-1].content
    assert "Ada: Bring a kite." in log.prompts[1][-1].content
