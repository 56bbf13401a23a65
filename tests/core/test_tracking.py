"""One tracker per protocol: what each session's live metrics include."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import MetricsUpdated
from convscope.core.protocols import tracker_for
from convscope.core.protocols.network import network_theory
from convscope.core.records import Turn
from tests.core.protocols.support import make_config, scripted_file


async def test_a_network_round_reports_the_live_std_beside_the_degroot_theory() -> None:
    config = make_config(
        "network",
        ["degroot:4"] * 4,
        rounds=3,
        options={"graph": "ring", "scorer": "pattern", "topic": "Tea", "initial": ["for", "against"] * 2},
    )
    engine = Engine(config, metrics=tracker_for(config))
    rounds: list[dict[str, object]] = []
    engine.subscribe(
        lambda e: rounds.append(e.values) if isinstance(e, MetricsUpdated) and e.is_round else None
    )
    await engine.run()
    theory = network_theory(config)
    assert [r["round"] for r in rounds] == [0, 1, 2]
    assert rounds[0]["disagreement.std"] == pytest.approx(0.5)  # for, against, for, against
    assert all(
        r["theory.lambda2"] == theory.lambda2 and r["theory.forecast"] == theory.forecast for r in rounds
    )


@pytest.mark.parametrize(("protocol", "coded"), [("group_chat", True), ("relay", False)])
async def test_behaviour_flags_are_coded_in_group_chats_only(protocol: str, coded: bool) -> None:
    config = make_config(
        protocol, ["scripted:text:@Agent-B I agree, let's ship it."] * 2, rounds=2, brief="Go."
    )
    engine = Engine(config, metrics=tracker_for(config))
    turns: list[dict[str, object]] = []
    engine.subscribe(
        lambda e: turns.append(e.values) if isinstance(e, MetricsUpdated) and not e.is_round else None
    )
    await engine.run()
    assert turns and all((values["behaviour.AGREE"] is not None) is coded for values in turns)


async def test_a_coding_panel_is_measured_on_its_codes_not_on_its_summaries(tmp_path: Path) -> None:
    codes = ["alpha beta gamma", "delta epsilon zeta"]
    specs = [
        scripted_file(tmp_path, f"agent{i}", [code, "The same summary."]) for i, code in enumerate(codes)
    ]
    config = make_config("coding", specs, rounds=3, brief="A text to code.")
    engine = Engine(config, metrics=tracker_for(config))
    rounds: list[dict[str, object]] = []
    engine.subscribe(
        lambda e: rounds.append(e.values) if isinstance(e, MetricsUpdated) and e.is_round else None
    )
    await engine.run()
    assert [values["rouge1"] for values in rounds[:2]] == [0.0, 0.0]  # the codes share no word
    assert rounds[1]["stability.identical"] == 1.0  # each agent repeated its code


@pytest.mark.parametrize(
    ("configured", "asked", "expected"),
    [(False, None, False), (True, None, True), (True, False, False), (False, True, True)],
)
def test_the_tracker_measures_embeddings_when_the_config_asks_unless_the_caller_says_otherwise(
    configured: bool, asked: bool | None, expected: bool
) -> None:
    config = SessionConfig(
        agents=(AgentSpec(id="a", nickname="A", provider="scripted:echo"),), semantic_metrics=configured
    )
    assert tracker_for(config, semantic=asked).semantic is expected


def network_turn(index: int, text: str) -> Turn:
    return Turn(index=index, round=0, agent_id=f"a{index}", nickname=f"Agent-{index}", model="degroot",
                text=text, started_at=0.0, ended_at=0.0)  # fmt: skip


def test_a_replayed_network_scores_again_with_a_cheap_scorer_but_reads_a_judges_recorded_scores(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)  # the judge cannot be built, let alone called
    turns = [network_turn(0, "My opinion: 0.2"), network_turn(1, "My opinion: 0.8")]
    recorded = {0: 0.5, 1: None}

    def scores(scorer: dict[str, str]) -> list[object]:
        config = make_config("network", ["degroot:4"] * 2, options={"graph": "complete", **scorer})
        snapshots = tracker_for(config, recorded_scores=recorded).run(turns)
        return [s.values["opinion.score"] for s in snapshots if s.turn_index is not None]

    assert scores({"scorer": "pattern"}) == [0.2, 0.8]
    assert scores({"scorer": "judge", "judge": "openai:gpt-5-nano"}) == [0.5, None]
