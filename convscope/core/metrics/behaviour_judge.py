"""The ``judge`` behaviour coder: a panel of LLMs codes each message (the War Room paper, section 3.6).

Every judge gets the codebook, the speaker, the other agents, the crashed agent(s) and the
message, and answers with one JSON object. Answers are read leniently (code fences, prose
around the object, "true"/"yes"/1, "L2" for a level, any key case), but a judge whose
answer lacks one of the six flags counts as not having answered. The panel's label is the
conservative intersection: a flag holds only when every judge sets it, and the COMP level
is the lowest any judge gave; when a judge did not answer, the message has no panel label.
Agreement between judges is Cohen's kappa per flag (mean over pairs of judges).
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any

from convscope.core.agents import GenerationParams
from convscope.core.metrics.behaviour import FLAGS, BehaviourCodes
from convscope.core.metrics.stats import cohen_kappa
from convscope.core.providers.base import ChatMessage, ChatRequest, Provider, ProviderError, Restart

CODED = (*FLAGS, "has_xref")
JUDGE_PARAMS = GenerationParams(temperature=0.0, max_tokens=200)

JUDGE_SYSTEM = (
    "You code messages from a multi-agent group chat with a fixed codebook. "
    "Answer with one JSON object and nothing else."
)
JUDGE_PROMPT = """Codebook (code the message on its own):
- PHATIC: under 15 words and no substantive content.
- META: comments on the conversation process itself.
- LEAD: assigns a task to a named agent other than the speaker.
- ARCH: names two or more specific technologies or tools.
- AGREE: names another agent explicitly and expresses agreement with it.
- COMP: refers specifically to the crashed agent. An @-list addressing everyone is not a specific
  reference. COMP_level: 1 notes its absence, 2 takes over its work, 3 redistributes its work, 0 if not COMP.
- has_xref: names at least one other agent.

Speaker: {speaker}
Other agents: {others}
Crashed agent(s): {crashed}

Message:
<<<
{text}
>>>

Answer with exactly this JSON shape:
{shape}"""
_SHAPE = json.dumps({**dict.fromkeys(FLAGS, False), "COMP_level": 0, "has_xref": False})

_TRUE = {"true", "yes", "y", "1", "oui", "vrai"}
_FALSE = {"false", "no", "n", "0", "non", "faux", "none", "null", ""}
_LEVEL = re.compile(r"\d")


def _flag(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return value != 0
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    return None


def _level(value: Any) -> int | None:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int | float):
        return int(value) if 0 <= value <= 3 else None
    if isinstance(value, str):
        digit = _LEVEL.search(value)
        return int(digit.group()) if digit and int(digit.group()) <= 3 else None
    return None


def _json_object(answer: str) -> dict[str, Any] | None:
    """The first JSON object in ``answer`` that decodes, wherever it sits."""
    decoder = json.JSONDecoder()
    for start in (i for i, char in enumerate(answer) if char == "{"):
        try:
            value, _ = decoder.raw_decode(answer, start)
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict):
            return value
    return None


def parse_judge_answer(answer: str) -> BehaviourCodes | None:
    """A judge's codes, or None when the answer has no usable object with all six flags."""
    found = _json_object(answer)
    if found is None:
        return None
    by_key = {re.sub(r"^(?:is_|has_)", "", str(key).strip().lower()): value for key, value in found.items()}
    codes: BehaviourCodes = {}
    for flag in FLAGS:
        value = _flag(by_key.get(flag.lower()))
        if value is None:
            return None
        codes[flag] = value
    level = _level(by_key.get("comp_level", 1 if codes["COMP"] else 0))
    codes["COMP_level"] = (level or 1) if codes["COMP"] else 0
    codes["has_xref"] = bool(_flag(by_key.get("xref", False)))
    return codes


def intersect(panel: Sequence[BehaviourCodes]) -> BehaviourCodes:
    """The conservative label: each flag only if every judge set it; the lowest COMP level."""
    codes: BehaviourCodes = {flag: all(bool(c[flag]) for c in panel) for flag in CODED}
    codes["COMP_level"] = min(int(c["COMP_level"]) for c in panel) if codes["COMP"] else 0
    return codes


@dataclass(frozen=True)
class JudgeVerdict:
    """One message's codes from each judge (None: no usable answer) and the panel's label."""

    judges: tuple[str, ...]
    by_judge: tuple[BehaviourCodes | None, ...]
    answers: tuple[str, ...]  # what each judge said (or the error), for audit

    @property
    def codes(self) -> BehaviourCodes | None:
        """The conservative intersection, or None when a judge did not answer."""
        if any(codes is None for codes in self.by_judge):
            return None
        return intersect([codes for codes in self.by_judge if codes is not None])


async def _ask(judge: Provider, request: ChatRequest) -> str:
    parts: list[str] = []
    async for item in judge.stream(request):
        if isinstance(item, Restart):
            parts.clear()
        elif isinstance(item, str):
            parts.append(item)
    return "".join(parts)


async def judge_behaviour(
    text: str,
    *,
    speaker: str,
    agents: Sequence[str],
    crashed: Sequence[str] = (),
    judges: Sequence[Provider],
    params: GenerationParams = JUDGE_PARAMS,
) -> JudgeVerdict:
    """Ask every judge of the panel (at once) to code one message."""
    if len(judges) < 2:
        raise ValueError("a judge panel needs at least two judges")
    others = [name for name in agents if name != speaker]
    prompt = JUDGE_PROMPT.format(
        speaker=speaker,
        others=", ".join(others) or "none",
        crashed=", ".join(crashed) or "none",
        text=text,
        shape=_SHAPE,
    )
    request = ChatRequest(
        messages=(ChatMessage("system", JUDGE_SYSTEM), ChatMessage("user", prompt)), params=params
    )
    results = await asyncio.gather(*(_ask(judge, request) for judge in judges), return_exceptions=True)
    answers: list[str] = []
    codes: list[BehaviourCodes | None] = []
    for result in results:
        if isinstance(result, ProviderError):  # a failed judge is a missing answer, not a crash
            answers.append(f"error: {result.message}")
            codes.append(None)
        elif isinstance(result, BaseException):
            raise result
        else:
            answers.append(result)
            codes.append(parse_judge_answer(result))
    return JudgeVerdict(tuple(judge.name for judge in judges), tuple(codes), tuple(answers))


def judge_agreement(verdicts: Sequence[JudgeVerdict]) -> dict[str, float | None]:
    """Cohen's kappa per flag between the judges (mean over pairs), on the messages both coded."""
    if not verdicts:
        return dict.fromkeys(CODED)
    panel_size = len(verdicts[0].judges)
    result: dict[str, float | None] = {}
    for flag in CODED:
        kappas: list[float] = []
        for a, b in combinations(range(panel_size), 2):
            both = [(v.by_judge[a], v.by_judge[b]) for v in verdicts]
            pairs = [(x[flag], y[flag]) for x, y in both if x is not None and y is not None]
            kappa = cohen_kappa([int(x) for x, _ in pairs], [int(y) for _, y in pairs]) if pairs else None
            if kappa is not None:
                kappas.append(kappa)
        result[flag] = sum(kappas) / len(kappas) if kappas else None
    return result
