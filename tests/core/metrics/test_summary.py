"""The session summary ``convscope analyze`` prints: every section, each value traced to its measure."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.metrics.confidence import confidence_score
from convscope.core.metrics.embeddings import default_embedder
from convscope.core.metrics.lexical import rouge_pairwise
from convscope.core.metrics.stability import mean_token_retention, self_consistency
from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.summary_model import MetricsSummary
from convscope.core.metrics.toxicity import NOT_CONFIGURED, ToxicityScorer
from convscope.core.records import Turn
from tests.support.classifier import save_classifier

AGENTS = (
    AgentSpec(id="a", nickname="Agent-A", provider="scripted:echo"),
    AgentSpec(id="b", nickname="Agent-B", provider="scripted:echo"),
    AgentSpec(id="c", nickname="Agent-C", provider="scripted:echo"),
)
ERROR = "⚠ The model `deepseek-r1-distill-llama-70b` has been decommissioned and is no longer supported."
TEXTS = {
    (0, "a"): "We should clearly use Flutter and Firebase for the delivery app.",
    (0, "b"): "I agree with Agent-A, Flutter might be the fastest option.",
    (1, "a"): "Agent-C is down. @Agent-B, can you take over its Stripe payment work?",
    (1, "b"): "Got it.",
    (2, "a"): "Agent-C is down. @Agent-B, can you take over its Stripe payment work?",
    (2, "b"): "Payments with Stripe are done; the Firebase rules are next.",
}


def session() -> list[Turn]:
    turns: list[Turn] = []
    for round_index in range(3):
        for agent in ("a", "b", "c"):
            text = TEXTS.get((round_index, agent), "")
            turns.append(
                Turn(
                    index=len(turns),
                    round=round_index,
                    agent_id=agent,
                    nickname=f"Agent-{agent.upper()}",
                    model="groq:model",
                    text=text,
                    error=None if text else ERROR,
                    error_kind=None if text else "permanent",
                    started_at=0.0,
                    ended_at=1.0,
                )
            )
    return turns


def summary(protocol: str = "group_chat", toxicity: ToxicityScorer | None = None) -> MetricsSummary:
    config = SessionConfig(title="war room, small", protocol=protocol, agents=AGENTS)
    return session_summary(config, session(), toxicity=toxicity)


def test_the_summary_has_every_section_and_is_json() -> None:
    result = summary().as_json()
    assert set(result) == {
        "session",
        "rouge",
        "confidence",
        "loop",
        "stability",
        "self_consistency",
        "toxicity",
        "behaviour",
        "by_round",
    }
    json.dumps(result)
    assert result["session"] == {
        "title": "war room, small",
        "protocol": "group_chat",
        "agents": 3,
        "turns": 9,
        "failed_turns": 3,
        "rounds": 3,
    }


def test_rouge_is_the_group_rouge_of_the_last_round_and_of_every_round() -> None:
    result = summary()
    rouge = result.rouge
    last = rouge_pairwise([TEXTS[(2, "a")], TEXTS[(2, "b")]])
    assert rouge.final is not None and rouge.final.rougeL == pytest.approx(last["rougeL"])
    assert [r.round for r in rouge.by_round] == [0, 1, 2]
    assert [s.values["rouge1"] for s in result.by_round] == [r.rouge1 for r in rouge.by_round]


def test_confidence_is_the_mean_over_each_agent_turns() -> None:
    confidence = summary().confidence
    a = [confidence_score(TEXTS[(r, "a")], "auto") for r in range(3)]
    assert confidence.by_agent["a"] == pytest.approx(sum(a) / 3)
    assert "c" not in confidence.by_agent  # its turns all failed


def test_stability_and_self_consistency_per_agent() -> None:
    result = summary()
    outputs = {agent: [TEXTS[(r, agent)] for r in range(3)] for agent in ("a", "b")}
    assert set(result.stability) == {"a", "b"}
    assert result.stability["a"].identical == 0.5  # round 2 repeats round 1
    assert result.stability["b"].identical == 0.0
    assert result.stability["a"].retention == pytest.approx(mean_token_retention(outputs["a"]))
    assert result.self_consistency == pytest.approx(self_consistency(outputs))


def test_group_chats_get_behaviour_profiles_and_comp_events() -> None:
    behaviour = summary().behaviour
    assert behaviour is not None
    assert behaviour.coder == "rules" and behaviour.messages == 6
    assert behaviour.profiles["b"]["PHATIC"] == pytest.approx(1 / 3)
    assert behaviour.comp_events == {"L1": 0, "L2": 0, "L3": 2}  # its work handed to Agent-B
    assert behaviour.profile_similarity is not None and 0.0 <= behaviour.profile_similarity <= 1.0
    assert set(behaviour.kruskal) == {"PHATIC", "META", "LEAD", "ARCH", "AGREE"}


def test_other_protocols_have_no_behaviour_section() -> None:
    assert summary(protocol="relay").behaviour is None
    assert "behaviour" not in summary(protocol="relay").as_json()


def test_loop_state_and_thresholds_are_reported() -> None:
    loop = summary().loop
    assert loop.detected is False and loop.onset_turn is None
    assert loop.steps == 6 and loop.thresholds.min_steps == 3


def test_without_a_toxicity_model_the_section_says_so_instead_of_a_number() -> None:
    assert summary().toxicity == {"available": False, "reason": NOT_CONFIGURED}


def test_a_toxicity_model_scores_every_message_of_each_agent(tmp_path: Path) -> None:
    scorer = ToxicityScorer(save_classifier(tmp_path / "toxic-model", ["non-toxic", "toxic"]))
    toxicity = summary(toxicity=scorer).toxicity
    scores = {agent: scorer.score([TEXTS[(r, agent)] for r in range(3)]) for agent in ("a", "b")}
    every = scores["a"] + scores["b"]
    assert toxicity["available"] is True
    assert (toxicity["model"], toxicity["label"]) == ("toxic-model", "toxic")
    assert toxicity["by_agent"] == pytest.approx({agent: sum(s) / 3 for agent, s in scores.items()})
    assert toxicity["max"] == pytest.approx(max(every))
    assert toxicity["share_over_0_5"] == pytest.approx(sum(s > 0.5 for s in every) / 6)
    json.dumps(toxicity)


@pytest.mark.slow
@pytest.mark.parametrize("measured_live", [False, True])
def test_loops_are_measured_with_embeddings_when_the_session_measured_them_live(measured_live: bool) -> None:
    turns = [t.model_copy(update={"text": f"{t.text} ({measured_live})"}) for t in session() if not t.failed]
    config = SessionConfig(protocol="group_chat", agents=AGENTS, semantic_metrics=measured_live)
    embedder = default_embedder()
    before = embedder.misses + embedder.hits
    session_summary(config, turns)
    assert (embedder.misses + embedder.hits > before) is measured_live


def test_a_coding_panels_summary_measures_its_codes_and_leaves_its_summaries_out() -> None:
    """A coding panel's one-sentence summaries are its memory: the same summary after codes
    that change must not make the agents look stable, nor the codes look alike."""
    codes = {"a": ["parking loss", "lost parking", "parking lost"], "b": ["council", "ignored", "rent"]}
    turns: list[Turn] = []
    for round_index in range(3):
        for agent in ("a", "b"):
            phases = [("code", codes[agent][round_index]), ("summary", "I coded the comment.")]
            for phase, text in phases[: 1 if round_index == 2 else 2]:
                turns.append(
                    Turn(index=len(turns), round=round_index, agent_id=agent, nickname=agent, model="m",
                         text=text, phase=phase, started_at=0.0, ended_at=1.0)
                )  # fmt: skip
    config = SessionConfig(protocol="coding", brief="A comment.", rounds=3, agents=AGENTS[:2])
    result = session_summary(config, turns)
    assert [r.rouge1 for r in result.rouge.by_round] == [0.0, 0.0, 0.0]
    assert result.stability["a"].retention == pytest.approx(mean_token_retention(codes["a"]))
    assert result.stability["b"].identical == 0.0
