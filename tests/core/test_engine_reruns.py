"""``resume --retry-failed``: the failed turns run again, in order, on the conversation as it
stood before each, under their own index, recorded as re-runs; nothing else runs again."""

from __future__ import annotations

from convscope.core.engine import Engine
from convscope.core.events import TurnCompleted, TurnStarted
from convscope.core.records import Turn
from convscope.core.reruns import latest_turns
from tests.core.engine_support import EventLog, scripted_config


def said(index: int, agent_id: str, round_: int, text: str = "", error: str | None = None) -> Turn:
    nickname = {"a0": "Agent-A", "a1": "Agent-B"}[agent_id]
    return Turn(
        index=index,
        round=round_,
        agent_id=agent_id,
        nickname=nickname,
        model="scripted",
        text=text,
        error=error,
        error_kind="transient" if error else None,
        started_at=0.0,
        ended_at=1.0,
    )


FINISHED_WITH_AN_OUTAGE = [
    said(0, "a0", 0, "x"),
    said(1, "a1", 0, error="Error code: 503 - down"),
    said(2, "a0", 1, "x"),
    said(3, "a1", 1, error="Error code: 503 - down"),
]


async def test_failed_turns_run_again_in_order_each_on_the_chat_before_it() -> None:
    engine = Engine(
        scripted_config("x", "y", rounds=2), transcript=FINISHED_WITH_AN_OUTAGE, retry_failed=True
    )
    log = EventLog(engine)
    await engine.run()

    assert [e.turn_index for e in log.of(TurnStarted)] == [1, 3]
    assert [(t.index, t.text, t.rerun) for t in engine.transcript] == [
        (0, "x", False),
        (1, "y", True),
        (2, "x", False),
        (3, "y", True),
    ]
    first, second = (prompt[-1].content for prompt in log.prompts)
    assert first == "Plan a festival.\n\nAgent-A: x"
    assert (
        second == "Plan a festival.\n\nAgent-A: x\n\nAgent-B: y\n\nAgent-A: x"
    )  # the first re-run, not the error
    assert all(e.turn.rerun for e in log.of(TurnCompleted))


async def test_without_the_option_a_finished_session_runs_nothing() -> None:
    engine = Engine(scripted_config("x", "y", rounds=2), transcript=FINISHED_WITH_AN_OUTAGE)
    log = EventLog(engine)
    await engine.run()

    assert log.of(TurnStarted) == []


def test_the_latest_turn_of_an_index_is_the_one_that_counts() -> None:
    rerun = said(1, "a1", 0, "y").model_copy(update={"rerun": True})

    assert latest_turns([*FINISHED_WITH_AN_OUTAGE[:2], rerun, FINISHED_WITH_AN_OUTAGE[2]]) == [
        FINISHED_WITH_AN_OUTAGE[0],
        rerun,
        FINISHED_WITH_AN_OUTAGE[2],
    ]
