"""The group chat's prompts and order follow REFERENCE.md §1 and the paper's series."""

from __future__ import annotations

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.protocols.group_chat import GroupChat
from convscope.core.records import Turn


def chat(rounds: int = 2, **options: object) -> GroupChat:
    agents = tuple(
        AgentSpec(id=k, nickname=f"Agent-{k.upper()}", provider=f"openai-compatible:http://h/v1#org/{k}-7b")
        for k in "abc"
    )
    return GroupChat(SessionConfig(brief="@all brief", rounds=rounds, agents=agents, options=options))


def turn(index: int, agent_id: str, round_: int, text: str = "hi", error: str | None = None) -> Turn:
    return Turn(
        index=index,
        round=round_,
        agent_id=agent_id,
        nickname=f"Agent-{agent_id.upper()}",
        model="m",
        text=text,
        error=error,
        error_kind="permanent" if error else None,
        started_at=0.0,
        ended_at=0.0,
    )


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, "You are Agent-A in a group chat.\nOther agents: Agent-B, Agent-C"),
        ({"ablation": "K1"}, "You are Agent-A in a group chat."),
        ({"ablation": "K2"}, "Other agents: Agent-B, Agent-C"),
        ({"isolated": True}, "You are an AI assistant."),
        ({"naming": "real"}, "You are a-7b in a group chat.\nOther agents: b-7b, c-7b"),
    ],
)
def test_system_prompt_of_each_series(options: dict[str, object], expected: str) -> None:
    protocol = chat(**options)
    plan = protocol.next_turn([], protocol.initial_names())
    assert plan is not None and plan.messages[0].role == "system"
    assert plan.messages[0].content == expected


def test_k3_sends_no_system_prompt_at_all() -> None:
    protocol = chat(ablation="K3")
    plan = protocol.next_turn([], protocol.initial_names())
    assert plan is not None and [m.role for m in plan.messages] == ["user"]


def test_every_agent_sees_the_whole_chat_prefixed_by_nicknames_and_failures_with_a_warning_sign() -> None:
    protocol = chat()
    history = [turn(0, "a", 0, "Let us plan."), turn(1, "b", 0, error="model decommissioned")]
    plan = protocol.next_turn(history, protocol.initial_names())
    assert plan is not None and plan.agent_id == "c"
    assert plan.messages[-1].content == (
        "@all brief\n\nAgent-A: Let us plan.\n\nAgent-B: ⚠ model decommissioned"
    )


def test_isolated_agents_see_only_the_brief() -> None:
    protocol = chat(isolated=True)
    plan = protocol.next_turn([turn(0, "a", 0, "secret")], protocol.initial_names())
    assert plan is not None and plan.messages[-1].content == "@all brief"


def test_shuffled_order_is_fixed_for_a_seed_and_kept_every_round() -> None:
    first, again = chat(shuffle_order=True), chat(shuffle_order=True)
    assert first.order == again.order and sorted(first.order) == ["a", "b", "c"]
    history: list[Turn] = []
    names = first.initial_names()
    while (plan := first.next_turn(history, names)) is not None:
        history.append(turn(len(history), plan.agent_id, plan.round))
    assert [t.agent_id for t in history] == list(first.order) * 2


def test_session_ends_after_the_configured_rounds() -> None:
    protocol = chat(rounds=1)
    history = [turn(i, a, 0) for i, a in enumerate("abc")]
    assert protocol.next_turn(history, protocol.initial_names()) is None


def test_unknown_options_are_rejected() -> None:
    with pytest.raises(ValueError, match="nonsense"):
        chat(nonsense=True)
