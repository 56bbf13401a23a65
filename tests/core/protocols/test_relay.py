"""The two-agent relay: alternation from a seed, only the last output as input, the end."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.engine import Engine
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import protocol_for
from convscope.core.protocols.relay import seed_sentences
from tests.core.protocols.support import make_config, run, scripted_file


def relay_replies(folder: Path, turns: int) -> list[str]:
    """Agent A says 'A0', 'A1'...; agent B 'B0', 'B1'... so every text is unique."""
    return [
        scripted_file(folder, name, [f"{name}{i} says something new." for i in range(turns)])
        for name in ("A", "B")
    ]


async def test_two_agents_alternate_one_turn_per_round_for_the_configured_turns(tmp_path: Path) -> None:
    config = make_config("relay", relay_replies(tmp_path, 5), rounds=5, brief="Once upon a time.")
    turns, _ = await run(config)
    assert [turn.agent_id for turn in turns] == ["a0", "a1", "a0", "a1", "a0"]
    assert [turn.round for turn in turns] == [0, 1, 2, 3, 4]


async def test_each_agent_gets_only_the_previous_output_and_no_system_prompt(tmp_path: Path) -> None:
    config = make_config("relay", relay_replies(tmp_path, 6), rounds=6, brief="Once upon a time.")
    turns, log = await run(config)
    assert [(m.role, m.content) for m in log.prompts[0]] == [("user", "Once upon a time.")]
    for turn in turns[1:]:
        assert [(m.role, m.content) for m in log.prompts[turn.index]] == [
            ("user", turns[turn.index - 1].text)
        ]


async def test_the_default_is_twenty_five_turns_from_a_shipped_seed_sentence(tmp_path: Path) -> None:
    config = make_config(
        "relay", ["scripted:text:la", "scripted:text:li"], rounds=25, options={"seed_sentence": 7}
    )
    turns, log = await run(config)
    assert len(turns) == 25
    assert log.user(0) == seed_sentences()[7]


def test_fifty_distinct_seed_sentences_ship_with_the_package() -> None:
    seeds = seed_sentences()
    assert len(seeds) == 50
    assert len(set(seeds)) == 50
    assert all(seed.endswith((".", "?", "!")) for seed in seeds)


async def test_a_failed_turn_passes_on_the_last_text_there_is(tmp_path: Path) -> None:
    config = make_config(
        "relay", ["scripted:text:A speaks.", "scripted:text:B speaks."], rounds=4, brief="Seed."
    )
    broken = config.model_copy(
        update={
            "agents": (config.agents[0], config.agents[1].model_copy(update={"failure": "decommissioned"}))
        }
    )
    turns, log = await run(broken)
    assert [turn.failed for turn in turns] == [False, True, False, True]
    assert log.user(2) == "A speaks."  # B failed: A reads its own last text, not an error


async def test_two_echo_agents_fall_into_a_loop_that_the_live_tracker_detects() -> None:
    config = make_config("relay", ["scripted:echo", "scripted:echo"], rounds=8, brief="Say it again.")
    tracker = MetricsTracker(agents=config.agents, behaviour=False)
    engine = Engine(config, metrics=tracker)
    await engine.run()
    assert tracker.loops.detected
    assert tracker.loops.onset == 1  # every output repeats the one before: the first comparison converges


@pytest.mark.parametrize(
    ("providers", "fields", "message"),
    [
        (["scripted:echo"] * 3, {"brief": "Seed."}, "exactly 2 agents"),
        (["scripted:echo"] * 2, {}, "needs a seed"),
        (["scripted:echo"] * 2, {"options": {"seed_sentence": 50}}, "below 50"),
    ],
)
def test_a_relay_refuses_what_it_cannot_run(
    providers: list[str], fields: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        protocol_for(make_config("relay", providers, **fields))
