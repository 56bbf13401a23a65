"""How each protocol shows a person's message to its agents, and that a human turn takes
no agent's turn: relay as the next input, coding panel as a note, network to every node
or the named one (the group chat's rule is pinned in tests/core/test_engine_say.py)."""

from __future__ import annotations

from pathlib import Path

from convscope.core.engine import Engine
from convscope.core.events import Event, TurnCompleted
from convscope.core.records import HUMAN_ID
from tests.core.protocols.support import PromptLog, make_config, scripted_file


async def run_saying(engine: Engine, after: int, text: str, to: str | None = None) -> PromptLog:
    """Run ``engine``, the person saying ``text`` once agent turn ``after`` has ended."""

    def observer(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == after and not event.turn.human:
            engine.say(text, to=to)

    log = PromptLog(engine)
    engine.subscribe(observer)
    await engine.run()
    return log


def relay(folder: Path, rounds: int) -> Engine:
    providers = [scripted_file(folder, name, [f"{name}{i} says." for i in range(rounds)]) for name in "AB"]
    return Engine(make_config("relay", providers, rounds=rounds, brief="Once upon a time."))


async def test_a_relay_agent_reads_the_message_as_its_next_input_then_the_relay_goes_on(
    tmp_path: Path,
) -> None:
    engine = relay(tmp_path, 4)
    log = await run_saying(engine, 0, "Talk about boats.")

    turns = engine.transcript
    assert [turn.agent_id for turn in turns] == ["a0", HUMAN_ID, "a1", "a0", "a1"]
    assert [turn.round for turn in turns if not turn.human] == [0, 1, 2, 3]
    assert log.user(2) == "Talk about boats."
    assert log.user(3) == turns[2].text  # the agent after it reads the relayed text again


async def test_a_relay_message_to_the_other_agent_waits_for_its_turn(tmp_path: Path) -> None:
    engine = relay(tmp_path, 4)
    log = await run_saying(engine, 0, "A, talk about boats.", to="a0")

    assert log.user(2) == engine.transcript[0].text  # a1 is not addressed: it reads A's text
    assert log.user(3) == "A, talk about boats."


async def test_a_coding_panel_lists_the_message_as_a_note_in_the_later_code_turns(tmp_path: Path) -> None:
    providers = [scripted_file(tmp_path, f"c{i}", ["a code", "a summary"] * 4) for i in range(2)]
    engine = Engine(make_config("coding", providers, rounds=3, brief="My shop lost its parking."))
    log = await run_saying(engine, 1, "Code the feeling, not the fact.")

    human = next(turn for turn in engine.transcript if turn.human)
    later_codes = [t for t in engine.transcript if t.index > human.index and t.phase in ("code", "synthesis")]
    assert later_codes and all(
        "Notes to the panel:\nModerator: Code the feeling, not the fact." in log.user(t.index)
        for t in later_codes
    )
    summaries = [t for t in engine.transcript if t.phase == "summary"]
    assert not any("Notes to the panel" in log.user(t.index) for t in summaries)
    assert [t.phase for t in engine.transcript if not t.human].count("synthesis") == 2  # no turn lost


async def test_a_network_message_reaches_every_node_or_only_the_named_one(tmp_path: Path) -> None:
    def network() -> Engine:
        providers = [scripted_file(tmp_path, n, [f"{n} says {r}." for r in range(3)]) for n in "ABC"]
        options = {"topic": "Tea", "graph": "complete"}
        return Engine(make_config("network", providers, rounds=3, seed=3, options=options))

    everyone = network()
    log = await run_saying(everyone, 2, "Think of the price.")
    assert [turn.round for turn in everyone.transcript if not turn.human] == [0] * 3 + [1] * 3 + [2] * 3
    round_one = [t.index for t in everyone.transcript if t.round == 1 and not t.human]
    told = "A message for you from Moderator:\nThink of the price."
    assert all(told in log.user(index) for index in round_one)
    assert not any(told in log.user(t.index) for t in everyone.transcript if t.round == 2)

    one = network()
    log = await run_saying(one, 2, "Think of the price.", to="a1")
    round_one_by_agent = {t.agent_id: t.index for t in one.transcript if t.round == 1 and not t.human}
    assert {agent: told in log.user(index) for agent, index in round_one_by_agent.items()} == {
        "a0": False,
        "a1": True,
        "a2": False,
    }
