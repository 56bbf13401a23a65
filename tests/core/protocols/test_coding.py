"""The coding panel (the coding-panel paper, Algorithm 1): phases, order, what each agent sees, the codes."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.protocols import protocol_for
from convscope.core.protocols.coding import PROMPTS, CodingPanel, codes_by_round
from convscope.core.records import Turn
from tests.core.protocols.support import make_config, run, scripted_file

ITEM = "The new bike lanes are great for some, but they killed the shops on my street."


def panel_agents(folder: Path, agents: int = 3, rounds: int = 4) -> list[str]:
    """Each agent alternates a full code message and its summary, then a synthesis; all unique."""
    specs = []
    for position in range(agents):
        name = chr(65 + position)
        replies: list[str] = []
        for r in range(rounds - 1):
            replies += [f"FULL-{name}{r}: a long code message with reasons.", f"SUM-{name}{r}."]
        replies.append(f"FINAL-{name}.")
        specs.append(scripted_file(folder, name, replies))
    return specs


async def test_initial_codes_then_refinements_then_a_synthesis_each_code_followed_by_its_summary(
    tmp_path: Path,
) -> None:
    config = make_config("coding", panel_agents(tmp_path), rounds=4, brief=ITEM)
    order = CodingPanel(config).order
    turns, _ = await run(config)
    expected = [
        (round_index, agent, phase)
        for round_index in range(3)
        for agent in order
        for phase in ("code", "summary")
    ] + [(3, agent, "synthesis") for agent in order]
    assert [(t.round, t.agent_id, t.phase) for t in turns] == expected


async def test_coding_agents_see_the_summaries_and_never_the_full_messages(tmp_path: Path) -> None:
    config = make_config("coding", panel_agents(tmp_path), rounds=4, brief=ITEM)
    turns, log = await run(config)
    for turn in turns:
        prompt = log.user(turn.index)
        earlier = turns[: turn.index]
        if turn.phase == "summary":
            assert prompt.endswith(turns[turn.index - 1].text)  # its own message, to summarise
            continue
        summaries = [t.text for t in earlier if t.phase == "summary"]
        if turn.round == 0:  # initial codes: no memory yet (Algorithm 1, phase 1)
            assert not any(summary in prompt for summary in summaries)
        else:
            assert all(summary in prompt for summary in summaries)
        assert "FULL-" not in prompt and "FINAL-" not in prompt
        assert ITEM in prompt and PROMPTS[1] in prompt


async def test_a_later_speaker_reads_the_summaries_of_those_before_it_in_the_same_round(
    tmp_path: Path,
) -> None:
    config = make_config("coding", panel_agents(tmp_path), rounds=4, brief=ITEM)
    turns, log = await run(config)
    second_in_round_1 = [t for t in turns if t.round == 1 and t.phase == "code"][1]
    first_summary_of_round_1 = next(t for t in turns if t.round == 1 and t.phase == "summary")
    assert first_summary_of_round_1.text in log.user(second_in_round_1.index)


async def test_initial_codes_see_only_the_prompt_and_the_item(tmp_path: Path) -> None:
    config = make_config("coding", panel_agents(tmp_path), rounds=4, brief=ITEM, options={"prompt": 4})
    turns, log = await run(config)
    for turn in turns:
        if turn.round == 0 and turn.phase == "code":
            assert log.user(turn.index) == f"{PROMPTS[4]}\n\n{ITEM}"


def test_the_five_prompts_are_those_of_table_1() -> None:
    assert sorted(PROMPTS) == [1, 2, 3, 4, 5]
    assert PROMPTS[2] == "Summarize the main idea of this sentence in a short, thematic code."
    assert PROMPTS[1].endswith("generate a concise qualitative code.")


def test_the_first_speaker_is_drawn_per_discussion_and_the_order_then_stays_fixed() -> None:
    specs = ["scripted:echo"] * 3
    orders = {
        CodingPanel(make_config("coding", specs, rounds=3, seed=seed, brief=f"Item {item}.")).order
        for seed in range(5)
        for item in range(6)
    }
    assert len({order[0] for order in orders}) == 3  # every agent opens some discussion
    assert all(order in {("a0", "a1", "a2"), ("a1", "a2", "a0"), ("a2", "a0", "a1")} for order in orders)
    same = make_config("coding", specs, rounds=3, seed=5, brief="Item.")
    assert CodingPanel(same).order == CodingPanel(same).order


async def test_per_round_codes_are_recorded_with_the_synthesis_last(tmp_path: Path) -> None:
    config = make_config("coding", panel_agents(tmp_path, agents=2, rounds=3), rounds=3, brief=ITEM)
    turns, _ = await run(config)
    codes = codes_by_round(turns)
    assert sorted(codes) == [0, 1, 2]
    assert codes[1] == {
        "a0": "FULL-A1: a long code message with reasons.",
        "a1": "FULL-B1: a long code message with reasons.",
    }
    assert codes[2] == {"a0": "FINAL-A.", "a1": "FINAL-B."}


async def test_a_failed_code_gets_no_summary_and_the_next_agent_goes_on(tmp_path: Path) -> None:
    config = make_config("coding", panel_agents(tmp_path, agents=2, rounds=3), rounds=3, brief=ITEM)
    failing = config.agents[0].model_copy(update={"failure": "decommissioned"})
    config = config.model_copy(update={"agents": (failing, config.agents[1])})
    turns, _ = await run(config)
    by_agent: dict[str, list[Turn]] = {"a0": [], "a1": []}
    for turn in turns:
        by_agent[turn.agent_id].append(turn)
    assert [t.phase for t in by_agent["a0"]] == ["code", "code", "synthesis"]
    assert all(t.failed for t in by_agent["a0"])
    assert [t.phase for t in by_agent["a1"]] == ["code", "summary", "code", "summary", "synthesis"]


async def test_a_code_interrupted_before_it_said_anything_gets_no_summary_and_is_no_code(
    tmp_path: Path,
) -> None:
    config = make_config("coding", panel_agents(tmp_path, agents=2, rounds=3), rounds=3, brief=ITEM)
    turns, _ = await run(config)
    first_code = turns[0]
    silent = first_code.model_copy(update={"text": "", "cut_by": "interrupt"})
    names = {agent.id: agent.nickname for agent in config.agents}

    plan = protocol_for(config).next_turn([silent], names)

    next_code = turns[2]  # in the run, after the first code's summary
    assert next_code.phase == "code" and next_code.agent_id != silent.agent_id
    assert plan is not None and (plan.agent_id, plan.phase) == (next_code.agent_id, "code")
    assert silent.agent_id not in codes_by_round([silent, *turns[1:]]).get(0, {})


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"rounds": 3}, "brief"),
        ({"rounds": 1, "brief": ITEM}, "rounds >= 2"),
        ({"brief": ITEM, "options": {"prompt": 6}}, "prompt"),
    ],
)
def test_a_panel_refuses_what_it_cannot_run(fields: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        protocol_for(make_config("coding", ["scripted:echo"] * 2, **fields))
