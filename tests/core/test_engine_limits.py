"""A turn's two time limits, told apart: no first token within X, no turn longer than Y.
A turn cut by either keeps what it had streamed, and says which limit cut it."""

from __future__ import annotations

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import TurnFailed
from tests.core.engine_support import EventLog
from tests.support.openai_sse_server import Hang, OpenAIStub

SLOW_WORDS = "scripted:text:one two three four five six seven eight nine ten?delay=0.15"


def one_agent(provider: str, **limits: float) -> SessionConfig:
    agent = AgentSpec(id="a", nickname="A", provider=provider)
    return SessionConfig(brief="Speak.", rounds=1, agents=(agent,), **limits)


async def test_a_turn_longer_than_its_limit_is_cut_and_keeps_its_partial_text() -> None:
    engine = Engine(one_agent(SLOW_WORDS, turn_timeout_s=0.5))
    log = EventLog(engine)
    await engine.run()

    [turn] = engine.transcript
    assert turn.error == "cut: turn longer than 0.5 s" and turn.cut_by == "turn"
    assert turn.text.startswith("one two") and len(turn.text.split()) < 10
    assert log.of(TurnFailed)[0].turn == turn


async def test_tokens_arriving_in_time_lift_the_first_token_limit_and_the_turn_limit_cuts() -> None:
    engine = Engine(one_agent(SLOW_WORDS, first_token_timeout_s=0.3, turn_timeout_s=0.8))
    await engine.run()

    [turn] = engine.transcript
    assert turn.cut_by == "turn" and turn.error == "cut: turn longer than 0.8 s"
    assert len(turn.text.split()) >= 3  # well past the first token's 0.3 s


async def test_a_server_that_sends_nothing_fails_the_first_token_limit(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Hang(5))
    engine = Engine(
        one_agent(f"openai-compatible:{openai_stub.base_url}#m", first_token_timeout_s=0.3, turn_timeout_s=30)
    )
    await engine.run()

    [turn] = engine.transcript
    assert (turn.error, turn.cut_by, turn.text) == ("no first token within 0.3 s", "first_token", "")
    assert turn.ended_at - turn.started_at < 3


async def test_the_other_agents_read_a_cut_turns_text_then_the_limit() -> None:
    config = SessionConfig(
        brief="Speak.",
        rounds=1,
        turn_timeout_s=0.5,
        agents=(
            AgentSpec(id="a", nickname="A", provider=SLOW_WORDS),
            AgentSpec(id="b", nickname="B", provider="scripted:echo"),
        ),
    )
    engine = Engine(config)
    await engine.run()

    cut, echo = engine.transcript
    assert echo.text.endswith(f"A: {cut.text.strip()} ⚠ cut: turn longer than 0.5 s")
