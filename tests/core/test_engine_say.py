"""A person's message (``Engine.say``): a human turn at the next turn boundary, seen by the
agents it is meant for, taking no agent's turn, journalled and measured as nobody's output."""

from __future__ import annotations

import pytest

from convscope.core.engine import Engine
from convscope.core.events import Event, MetricsUpdated, TurnCompleted
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.records import HUMAN_ID, Turn
from tests.core.engine_support import EventLog, scripted_config


def say_after(engine: Engine, turn_index: int, text: str, **options: str | None) -> None:
    """Have the person say ``text`` as soon as turn ``turn_index`` has ended."""

    def observer(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == turn_index and not event.turn.human:
            engine.say(text, **options)  # type: ignore[arg-type]

    engine.subscribe(observer)


def speakers(transcript: list[Turn]) -> list[str]:
    return [turn.agent_id for turn in transcript]


async def test_a_message_is_the_next_turn_and_takes_no_agents_turn() -> None:
    engine = Engine(scripted_config("one", "two", "three", rounds=2))
    say_after(engine, 1, "Please converge.")
    await engine.run()

    assert speakers(engine.transcript) == ["a0", "a1", HUMAN_ID, "a2", "a0", "a1", "a2"]
    human = engine.transcript[2]
    assert (human.index, human.round, human.nickname, human.model) == (2, 0, "Moderator", "human")
    assert (human.text, human.human, human.to, human.failed) == ("Please converge.", True, None, False)
    assert [turn.index for turn in engine.transcript] == list(range(7))
    assert [turn.round for turn in engine.transcript if not turn.human] == [0, 0, 0, 1, 1, 1]


async def test_every_agent_reads_the_message_in_the_chat_under_the_nickname_chosen() -> None:
    engine = Engine(scripted_config("one", "two", "three", rounds=1))
    log = EventLog(engine)
    say_after(engine, 0, "Stay on budget.", speaker="Ada")
    await engine.run()

    before, after_b, after_c = (prompt[-1].content for prompt in log.prompts)
    assert "Ada: Stay on budget." not in before
    assert "Agent-A: one\n\nAda: Stay on budget." in after_b
    assert "Ada: Stay on budget." in after_c


async def test_a_message_to_one_agent_reaches_only_that_agent() -> None:
    engine = Engine(scripted_config("one", "two", "three", rounds=2))
    log = EventLog(engine)
    say_after(engine, 0, "Only for you.", to="a2")
    await engine.run()

    seen = ["Only for you." in prompt[-1].content for prompt in log.prompts]
    assert seen == [False, False, True, False, False, True]
    assert engine.transcript[1].to == "a2"


async def test_a_message_before_the_first_turn_is_turn_zero_and_the_first_speaker_reads_it() -> None:
    engine = Engine(scripted_config("one", "two", rounds=1))
    log = EventLog(engine)
    engine.say("Hello agents.")
    await engine.run()

    assert speakers(engine.transcript) == [HUMAN_ID, "a0", "a1"]
    assert "Moderator: Hello agents." in log.prompts[0][-1].content


def test_a_bad_message_is_refused_at_once() -> None:
    engine = Engine(scripted_config("one", "two"))
    with pytest.raises(KeyError):
        engine.say("hi", to="nobody")
    with pytest.raises(ValueError, match="empty"):
        engine.say("   ")
    with pytest.raises(ValueError, match="nickname"):
        engine.say("hi", speaker=" ")


async def test_a_human_turn_is_measured_by_identity_only_and_replay_agrees() -> None:
    config = scripted_config("the plan is good", "the plan is bad", rounds=2)
    points: list[MetricsUpdated] = []
    engine = Engine(config, metrics=MetricsTracker(agents=config.agents), observers=[])
    engine.subscribe(lambda event: points.append(event) if isinstance(event, MetricsUpdated) else None)
    say_after(engine, 1, "the plan is good the plan is bad")
    await engine.run()

    human = next(point for point in points if point.turn_index == 2)
    assert human.values == {"turn.index": 2, "turn.round": 0, "turn.agent_id": HUMAN_ID}
    after = next(point for point in points if point.turn_index == 3)
    assert after.values["rouge.pairs"] == 1  # the two agents, not the person
    replayed = MetricsTracker.replay(engine.transcript, agents=config.agents)
    assert [(p.turn_index, p.round, p.values) for p in replayed] == [
        (p.turn_index, p.round, p.values) for p in points
    ]


async def test_a_resumed_session_keeps_its_human_turns_and_plans_past_them() -> None:
    config = scripted_config("one", "two", rounds=2)
    first = Engine(config)
    say_after(first, 0, "Carry on.")
    first.subscribe(
        lambda event: first.stop() if isinstance(event, TurnCompleted) and event.turn.index == 2 else None
    )
    await first.run()
    assert speakers(first.transcript) == ["a0", HUMAN_ID, "a1"]

    resumed = Engine(config, transcript=first.transcript)
    await resumed.run()
    assert speakers(resumed.transcript) == ["a0", HUMAN_ID, "a1", "a0", "a1"]
