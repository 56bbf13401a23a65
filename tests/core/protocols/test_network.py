"""The opinion network: simultaneous rounds, in-neighbours only, prompts, and the DeGroot theory."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import MetricsUpdated
from convscope.core.metrics.opinion_dynamics import tail_decay_rate
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols import protocol_for
from convscope.core.protocols.network import OpinionNetwork, network_theory
from convscope.core.protocols.network_scoring import consensus_of, network_opinion
from tests.core.protocols.support import make_config, run, scripted_file


def talking_agents(folder: Path, agents: int, rounds: int) -> list[str]:
    """Agent X answers 'X says r' in round r: every answer names its author and its round."""
    names = [chr(65 + i) for i in range(agents)]
    return [scripted_file(folder, name, [f"{name} says {r}." for r in range(rounds)]) for name in names]


def network(providers: list[str], rounds: int, **options: Any) -> SessionConfig:
    return make_config("network", providers, rounds=rounds, seed=3, options={"topic": "Vaping", **options})


async def test_every_agent_answers_once_per_round_then_the_session_ends(tmp_path: Path) -> None:
    turns, _ = await run(network(talking_agents(tmp_path, 5, 3), 3, graph="complete"))
    assert [(t.round, t.agent_id) for t in turns] == [(r, f"a{i}") for r in range(3) for i in range(5)]


async def test_each_agent_sees_its_own_and_its_in_neighbours_previous_answers_only(tmp_path: Path) -> None:
    config = network(talking_agents(tmp_path, 8, 4), 4, graph="erdos_renyi", p=0.35)
    theory = network_theory(config)
    turns, log = await run(config)
    letter = {f"a{i}": chr(65 + i) for i in range(8)}
    for turn in turns:
        prompt = log.user(turn.index)
        if turn.round == 0:
            assert " says " not in prompt
            continue
        seen = {name for name in letter.values() if f"{name} says {turn.round - 1}." in prompt}
        expected = {letter[turn.agent_id], *(letter[a] for a in theory.heard_by(turn.agent_id))}
        assert seen == expected
        assert f" says {turn.round - 2}." not in prompt  # only the previous round
        assert prompt.index(f"{letter[turn.agent_id]} says") < prompt.index("What the people you hear said:")


async def test_an_answer_interrupted_before_it_said_anything_leaves_the_one_before_it(tmp_path: Path) -> None:
    config = network(talking_agents(tmp_path, 3, 3), 3, graph="complete")
    turns, _ = await run(config)
    before_round_2 = [turn for turn in turns if turn.round < 2]
    silent = next(turn for turn in before_round_2 if turn.round == 1 and turn.agent_id == "a1")
    transcript = [
        turn.model_copy(update={"text": "", "cut_by": "interrupt"}) if turn is silent else turn
        for turn in before_round_2
    ]
    names = {agent.id: agent.nickname for agent in config.agents}

    plans = protocol_for(config).next_turns(transcript, names)

    assert [plan.agent_id for plan in plans] == ["a0", "a1", "a2"]
    for plan in plans:
        prompt = plan.messages[-1].content
        assert "B says 0." in prompt and "A says 1." in prompt and "C says 1." in prompt


def test_a_directed_ring_hears_only_its_predecessor() -> None:
    config = network(["scripted:echo"] * 4, 2, graph="ring", directed=True)
    theory = network_theory(config)
    assert [theory.heard_by(f"a{i}") for i in range(4)] == [["a3"], ["a0"], ["a1"], ["a2"]]


async def test_round_zero_gives_each_agent_its_stance_and_later_rounds_do_not(tmp_path: Path) -> None:
    config = network(
        talking_agents(tmp_path, 3, 2), 2, graph="complete", initial=["for", "against", "neutral"]
    )
    turns, log = await run(config)
    assert log.user(0).startswith("Your initial stance on Vaping: for.")
    assert log.user(1).startswith("Your initial stance on Vaping: against.")
    assert all("initial stance" not in log.user(t.index) for t in turns if t.round == 1)


def test_weighted_prompts_state_the_weights_and_weightless_ones_only_the_character() -> None:
    specs = ["scripted:echo"] * 4
    names = {f"a{i}": f"Agent-{i}" for i in range(4)}
    fields = {"graph": "complete", "characters": ["self-confident", "open-minded"] * 2}
    weighted = OpinionNetwork(network(specs, 2, **fields)).system_prompt("a0", names)
    assert "You are self-confident" in weighted
    assert (
        "give 80% weight to your own previous opinion and split the remaining 20% equally among the 3 people"
        in weighted
    )
    weightless = OpinionNetwork(network(specs, 2, weighted=False, **fields)).system_prompt("a1", names)
    assert "You are open-minded" in weightless and "%" not in weightless


@pytest.mark.parametrize(
    ("options", "lambda2", "halving"),
    [
        ({"graph": "ring", "directed": False, "self_confident_weight": 1 / 3}, 0.8727, 5.09),
        ({"graph": "ring", "directed": True, "self_confident_weight": 0.5}, 0.9511, 13.81),
        ({"graph": "complete", "self_confident_weight": 0.1}, 0.0, 0.0),
    ],
)
def test_the_theory_matches_the_reference_values(
    options: dict[str, Any], lambda2: float, halving: float
) -> None:
    config = network(["scripted:echo"] * 10, 2, characters=["self-confident"] * 10, **options)
    theory = network_theory(config)
    assert theory.lambda2 == pytest.approx(lambda2, abs=1e-4)
    assert theory.halving_time == pytest.approx(halving, abs=0.01)
    assert theory.summary()["theory.lambda2"] == theory.lambda2


def test_the_forecast_is_the_perron_weighted_mean_of_the_initial_stances() -> None:
    config = network(
        ["scripted:echo"] * 6, 2, graph="erdos_renyi", p=0.5, initial=["for"] * 3 + ["against"] * 3
    )
    theory = network_theory(config)
    assert theory.forecast == pytest.approx(float(theory.perron[:3].sum()))
    np.testing.assert_allclose(theory.matrix.sum(axis=0), 1.0)


def test_the_same_config_rebuilds_the_same_network_and_another_seed_another_one() -> None:
    def theory(seed: int) -> Any:
        return network_theory(make_config("network", ["scripted:echo"] * 12, seed=seed, options={"p": 0.4}))

    first, again, other = theory(1), theory(1), theory(2)
    assert sorted(first.graph.edges) == sorted(again.graph.edges) != sorted(other.graph.edges)
    assert (first.characters, first.stances, first.topic) == (again.characters, again.stances, again.topic)


def test_a_biased_start_gives_the_majority_stance_to_that_share_of_agents() -> None:
    config = network(["scripted:echo"] * 10, 2, graph="complete", initial="biased-against", majority=0.8)
    stances = network_theory(config).stances
    assert stances.count("against") >= 8


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"initial": ["for", "against"]}, "2 values for 3 agents"),
        ({"scorer": "judge"}, "needs options.judge"),
        ({"scorer": "magic"}, "unknown opinion scorer"),
        ({"graph": "erdos_renyi", "p": 0.01}, "no strongly connected"),
    ],
)
def test_a_network_refuses_what_it_cannot_run(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        protocol_for(network(["scripted:echo"] * 3, 2, **options))


def degroot_network(agents: int = 20, rounds: int = 60, seed: int = 11) -> SessionConfig:
    specs = tuple(
        AgentSpec(id=f"n{i:02d}", nickname=f"Agent-{i:02d}", provider="degroot:4") for i in range(agents)
    )
    return SessionConfig(
        protocol="network",
        rounds=rounds,
        seed=seed,
        max_concurrency=agents,
        agents=specs,
        options={"graph": "erdos_renyi", "p": 0.3, "scorer": "pattern", "topic": "Bitcoin"},
    )


async def test_scripted_degroot_agents_on_a_random_digraph_follow_the_theory_end_to_end() -> None:
    """K = 20, p = 0.3, 60 rounds: engine, pattern scorer, live tracker and analysis agree with DeGroot."""
    config = degroot_network()
    theory = network_theory(config)
    tracker = MetricsTracker(agents=config.agents, behaviour=False, opinion=network_opinion(config))
    engine = Engine(config, metrics=tracker)
    live_std: dict[int, float] = {}
    engine.subscribe(
        lambda e: (
            live_std.update({e.round: e.values["disagreement.std"]})
            if isinstance(e, MetricsUpdated) and e.is_round
            else None
        )
    )
    await engine.run()
    assert len(engine.transcript) == 20 * 60 and not any(t.failed for t in engine.transcript)
    std = [live_std[r] for r in range(60)]
    rate = tail_decay_rate(std)
    assert rate is not None
    assert abs(rate - theory.lambda2) <= 0.1 * theory.lambda2
    report, scores = await consensus_of(config, engine.transcript)
    assert np.all(np.abs(scores[-1] - theory.forecast) <= 0.01)
    assert report.rmse <= 0.01
    assert report.forecast == pytest.approx(theory.forecast)
    assert report.lambda2 == pytest.approx(theory.lambda2)
    assert report.tail_rate == pytest.approx(rate)


async def test_a_degroot_agent_states_the_weighted_average_of_what_it_hears_with_four_decimals() -> None:
    config = degroot_network(agents=4, rounds=2, seed=0).model_copy(
        update={
            "options": {
                "graph": "complete",
                "characters": ["self-confident"] * 4,
                "initial": ["for", "against", "against", "neutral"],
            }
        }
    )
    turns, _ = await run(config)
    assert [t.text for t in turns[:4]] == [
        "My opinion: 1.0000",
        "My opinion: 0.0000",
        "My opinion: 0.0000",
        "My opinion: 0.5000",
    ]
    # a0: 0.8 * 1 + 0.2 * mean(0, 0, 0.5) = 0.8333...
    assert turns[4].text == "My opinion: 0.8333"


def test_the_degroot_spec_states_its_decimals() -> None:
    from convscope.core.providers.registry import InvalidSpecError, check

    check(AgentSpec(id="x", nickname="X", provider="degroot:4"))
    with pytest.raises(InvalidSpecError, match="decimals"):
        check(AgentSpec(id="x", nickname="X", provider="degroot:four"))


def test_halving_time_is_infinite_for_a_network_that_never_agrees() -> None:
    config = network(
        ["scripted:echo"] * 3,
        2,
        graph="complete",
        characters=["self-confident"] * 3,
        self_confident_weight=1.0,
    )
    assert math.isinf(network_theory(config).halving_time)


class _Constant:
    """An opinion scorer that gives every text, the empty one included, a score (as the
    embedding scorer does)."""

    async def score(self, texts: Any) -> list[float | None]:
        return [0.5 for _ in texts]


async def test_an_answer_cut_before_it_said_anything_has_no_score_afterwards_as_live() -> None:
    config = degroot_network(agents=4, rounds=2, seed=0)
    turns, _ = await run(config)
    silent = turns[5].model_copy(update={"text": "", "cut_by": "interrupt"})
    turns = [silent if turn.index == silent.index else turn for turn in turns]

    _, scores = await consensus_of(config, turns, _Constant())

    column = network_theory(config).agents.index(silent.agent_id)
    assert math.isnan(scores[silent.round, column])
    assert np.count_nonzero(np.isnan(scores)) == 1
