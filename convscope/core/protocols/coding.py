"""The coding panel (the coding-panel paper, Algorithm 1; REFERENCE.md §3).

k agents code one text item (the session's brief) with one of the paper's five prompts:

- round 0: each agent proposes an initial code from the prompt and the item alone;
- rounds 1..R: each agent refines its code given the prompt, the item and the memory;
- round R + 1: each agent gives a final synthesis code given the whole memory.

After every code (not after the synthesis) the same agent summarises its own message in
one sentence, as a turn of its own. The summaries are the shared memory: a coding agent
sees them, never the others' full messages. The memory grows turn by turn, so a later
speaker in a round reads the summaries of those before it (this is what makes the order
matter; Algorithm 1's "C(r-1)" would make it irrelevant). Agents speak in a fixed order
whose first speaker is drawn once per discussion from the session seed and the item, so
a batch with one seed still varies it across items. ``config.rounds`` counts every round,
R + 2 of them. Turns carry their phase: "code", "summary" or "synthesis".

A person's message is a note to the panel: every later code turn of the agents it reaches
lists the notes under their author's nickname, after the memory. It takes no agent's turn.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError
from convscope.core.protocols.base import ConversationProtocol, TurnPlan, parse_options
from convscope.core.protocols.measures import Measures
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn, last_agent_turn

Phase = Literal["code", "summary", "synthesis"]

# The coding-panel paper, Table 1, verbatim: the prompt a discussion is seeded with.
PROMPTS: dict[int, str] = {
    1: (
        "A code is often a word or short phrase that symbolically assigns a salient, "
        "essence-capturing and/or evocative attribute to a portion of language-based or visual data. "
        "Perform thematic analysis on the following comment and generate a concise qualitative code."
    ),
    2: "Summarize the main idea of this sentence in a short, thematic code.",
    3: (
        "From the perspective of a social scientist, summarize the following sentence "
        "as you would in thematic coding."
    ),
    4: "Can you tell me what the main idea of this sentence is in just a few words?",
    5: "If you were a social scientist doing thematic analysis, what code would you give to this citation?",
}
SUMMARY_PROMPT = "Summarize your message in one sentence."
MEMORY_HEADING = "Discussion so far (one-sentence summaries):"
NOTES_HEADING = "Notes to the panel:"
REFINE_PROMPT = "Refine your code in the light of the discussion. Answer with your code."
SYNTHESIS_PROMPT = "Give your final code, a synthesis of the discussion. Answer with your code."


class CodingOptions(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: int = Field(default=1, ge=1, le=5)  # the coding-panel paper, Table 1


class CodingPanel(ConversationProtocol):
    name = "coding"
    measures = Measures(unmeasured_phases=frozenset({"summary"}))

    def __init__(self, config: SessionConfig) -> None:
        super().__init__(config)
        self.options = parse_options(CodingOptions, config)
        if not config.brief.strip():
            raise ConfigError("a coding panel codes its brief: the brief (the text item) is empty")
        if config.rounds < 2:
            raise ConfigError("a coding panel needs rounds >= 2: initial codes, R refinements, synthesis")
        ids = [agent.id for agent in config.agents]
        first = random.Random(f"{config.seed}:{config.brief}").randrange(len(ids))
        self.order = tuple(ids[first:] + ids[:first])
        self.item = config.brief.strip()
        self.prompt = PROMPTS[self.options.prompt]

    @property
    def synthesis_round(self) -> int:
        return self.config.rounds - 1

    def next_turn(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> TurnPlan | None:
        last = last_agent_turn(transcript)
        if last is None:
            return self._code_turn(self.order[0], 0, transcript, names)
        if last.phase == "code" and last.spoke:
            return self._summary_turn(last, names)
        position = self.order.index(last.agent_id) + 1
        round_index = last.round if position < len(self.order) else last.round + 1
        if round_index > self.synthesis_round:
            return None
        return self._code_turn(self.order[position % len(self.order)], round_index, transcript, names)

    def _system(self, speaker: str, names: Mapping[str, str]) -> ChatMessage:
        others = ", ".join(names[agent] for agent in self.order if agent != speaker)
        return ChatMessage("system", f"You are {names[speaker]}, coding a text together with {others}.")

    def _code_turn(
        self, speaker: str, round_index: int, transcript: Sequence[Turn], names: Mapping[str, str]
    ) -> TurnPlan:
        parts = [self.prompt, self.item]
        if round_index > 0:
            parts.append("\n".join([MEMORY_HEADING, *memory(transcript)]))
        if said := notes(speaker, transcript):
            parts.append("\n".join([NOTES_HEADING, *said]))
        if round_index > 0:
            parts.append(SYNTHESIS_PROMPT if round_index == self.synthesis_round else REFINE_PROMPT)
        phase: Phase = "synthesis" if round_index == self.synthesis_round else "code"
        messages = (self._system(speaker, names), ChatMessage("user", "\n\n".join(parts)))
        return TurnPlan(speaker, round_index, messages, phase)

    def _summary_turn(self, code: Turn, names: Mapping[str, str]) -> TurnPlan:
        user = ChatMessage("user", f"{SUMMARY_PROMPT}\n\n{code.text.strip()}")
        return TurnPlan(code.agent_id, code.round, (self._system(code.agent_id, names), user), "summary")


def memory(transcript: Sequence[Turn]) -> list[str]:
    """The shared memory: every summary so far, one line each, under its author's nickname."""
    return [
        f"{turn.nickname}: {' '.join(turn.text.split())}"
        for turn in transcript
        if turn.phase == "summary" and turn.spoke
    ]


def notes(speaker: str, transcript: Sequence[Turn]) -> list[str]:
    """The people's notes to the panel that reach ``speaker``, one line each, under their nickname."""
    return [
        f"{turn.nickname}: {' '.join(turn.text.split())}"
        for turn in transcript
        if turn.human and turn.reaches(speaker)
    ]


def codes_by_round(transcript: Sequence[Turn]) -> dict[int, dict[str, str]]:
    """round -> agent id -> its code that round (the synthesis in the last round); turns that
    failed or were interrupted before they said anything left out.

    What stability, self-consistency, ROUGE between agents, influence and TwoNN are computed on.
    """
    codes: dict[int, dict[str, str]] = {}
    for turn in transcript:
        if turn.phase in ("code", "synthesis") and turn.spoke:
            codes.setdefault(turn.round, {})[turn.agent_id] = turn.text
    return codes
