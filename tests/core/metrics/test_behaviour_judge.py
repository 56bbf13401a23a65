"""The judge coder: a panel of scripted judges, lenient parsing, conservative intersection, kappa."""

from __future__ import annotations

import json

import pytest

from convscope.core.metrics.behaviour_judge import (
    JudgeVerdict,
    judge_agreement,
    judge_behaviour,
    parse_judge_answer,
)
from convscope.core.providers.base import ChatRequest
from convscope.core.providers.failures import with_failure
from convscope.core.providers.scripted import ScriptedProvider

AGENTS = ["Agent-A", "Agent-B", "Agent-G"]
MESSAGE = "Agent-G is down: @Agent-B takes its API work, I take its tests."


def answer(**flags: bool | int) -> str:
    codes: dict[str, bool | int] = {
        "PHATIC": False, "META": False, "LEAD": False, "ARCH": False, "AGREE": False, "COMP": False,
        "COMP_level": 0, "has_xref": False,
    }  # fmt: skip
    codes.update(flags)
    return json.dumps(codes)


async def test_a_flag_holds_only_when_every_judge_sets_it_and_comp_takes_the_lowest_level() -> None:
    strict = ScriptedProvider(
        "judge:strict", replies=[answer(LEAD=True, COMP=True, COMP_level=3, has_xref=True)]
    )
    lenient = ScriptedProvider(
        "judge:lenient",
        replies=[answer(LEAD=True, META=True, COMP=True, COMP_level=2, has_xref=True)],
    )
    verdict = await judge_behaviour(
        MESSAGE, speaker="Agent-A", agents=AGENTS, crashed=["Agent-G"], judges=[strict, lenient]
    )
    assert verdict.judges == ("judge:strict", "judge:lenient")
    assert verdict.codes == {
        "PHATIC": False,
        "META": False,  # only one judge saw it
        "LEAD": True,
        "ARCH": False,
        "AGREE": False,
        "COMP": True,
        "COMP_level": 2,
        "has_xref": True,
    }


async def test_every_judge_is_asked_at_temperature_zero_with_the_codebook_and_the_message() -> None:
    requests: list[ChatRequest] = []

    def reply(request: ChatRequest) -> str:
        requests.append(request)
        return answer()

    judges = [ScriptedProvider("a", reply_fn=reply), ScriptedProvider("b", reply_fn=reply)]
    await judge_behaviour(MESSAGE, speaker="Agent-A", agents=AGENTS, crashed=["Agent-G"], judges=judges)
    assert len(requests) == 2
    prompt = requests[0].messages[-1].content
    assert MESSAGE in prompt
    assert "Speaker: Agent-A" in prompt and "Other agents: Agent-B, Agent-G" in prompt
    assert "Crashed agent(s): Agent-G" in prompt and "COMP_level" in prompt
    assert requests[0].params.temperature == 0.0


def test_answers_are_read_through_fences_prose_and_loose_values() -> None:
    fenced = (
        "Here is my coding:\n```json\n"
        '{"phatic": "no", "is_meta": "yes", "Lead": 1, "arch": 0, "agree": "false", "comp": true, '
        '"comp_level": "L2", "has_xref": "true"}\n```\nHope this helps.'
    )
    assert parse_judge_answer(fenced) == {
        "PHATIC": False,
        "META": True,
        "LEAD": True,
        "ARCH": False,
        "AGREE": False,
        "COMP": True,
        "COMP_level": 2,
        "has_xref": True,
    }


def test_comp_without_a_level_is_level_one_and_a_level_without_comp_is_ignored() -> None:
    codes = parse_judge_answer(answer(COMP=True, COMP_level=0))
    assert codes is not None and codes["COMP_level"] == 1
    codes = parse_judge_answer(answer(COMP=False, COMP_level=3))
    assert codes is not None and codes["COMP_level"] == 0


@pytest.mark.parametrize(
    "text",
    [
        "I think it is META and LEAD.",
        '{"PHATIC": false, "META": true}',  # flags missing
        '{"PHATIC": "perhaps", "META": false, "LEAD": false, "ARCH": false, "AGREE": false, "COMP": false}',
    ],
)
def test_an_answer_without_all_six_readable_flags_is_no_answer(text: str) -> None:
    assert parse_judge_answer(text) is None


async def test_a_message_has_no_panel_label_when_a_judge_does_not_answer() -> None:
    good = ScriptedProvider("good", replies=[answer(ARCH=True)])
    rambling = ScriptedProvider("rambling", replies=["ARCH, definitely ARCH."])
    failing = with_failure(ScriptedProvider("failing", replies=[answer()]), "decommissioned", seed=0)
    verdict = await judge_behaviour(
        MESSAGE, speaker="Agent-A", agents=AGENTS, judges=[good, rambling, failing]
    )
    assert verdict.by_judge[0] is not None and verdict.by_judge[1] is None and verdict.by_judge[2] is None
    assert verdict.answers[2].startswith("error: ") and "decommissioned" in verdict.answers[2]
    assert verdict.codes is None


async def test_a_panel_needs_two_judges() -> None:
    with pytest.raises(ValueError, match="two judges"):
        await judge_behaviour(
            MESSAGE, speaker="Agent-A", agents=AGENTS, judges=[ScriptedProvider("one", replies=["{}"])]
        )


def test_judge_agreement_is_cohen_kappa_per_flag_over_the_messages_both_coded() -> None:
    def verdict(first: dict[str, bool | int] | None, second: dict[str, bool | int] | None) -> JudgeVerdict:
        return JudgeVerdict(
            ("a", "b"),
            tuple(None if f is None else parse_judge_answer(answer(**f)) for f in (first, second)),
            ("", ""),
        )

    verdicts = [
        verdict({"ARCH": True}, {"ARCH": True}),
        verdict({"ARCH": True}, {"ARCH": False}),
        verdict({}, {}),
        verdict({}, {}),
        verdict({"ARCH": True}, None),  # not coded by both: left out
    ]
    agreement = judge_agreement(verdicts)
    assert agreement["ARCH"] == pytest.approx(0.5)  # p_o = 3/4, p_e = 1/2
    assert agreement["PHATIC"] is None  # nobody ever set it: kappa undefined
