"""The War Room group chat (the War Room paper; REFERENCE.md §1).

Every round each active agent speaks once, in a fixed order, and sees the whole chat so
far with each line prefixed by the speaker's nickname at the time it spoke. A failed
turn is posted into the chat as ``⚠ <error>`` under the failing agent's nickname, so the
others can see that it crashed. A person's message is a line of the chat under the
person's nickname, seen only by the agent it is addressed to, if any (an isolated agent
sees the brief and the messages meant for it). Human turns take no agent's place in the
order of speakers.
"""

from __future__ import annotations

import random
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict

from convscope.core.config import SessionConfig
from convscope.core.protocols.base import ConversationProtocol, TurnPlan, parse_options
from convscope.core.protocols.measures import Measures
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn, last_agent_turn

ERROR_SIGN = "⚠"
ISOLATED_SYSTEM_PROMPT = "You are an AI assistant."


class GroupChatOptions(BaseModel):
    """The paper's series as switches. Clone mode is simply N agents with one provider spec."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    naming: Literal["neutral", "real"] = "neutral"
    shuffle_order: bool = False  # shuffled once per run, seeded by the session seed
    isolated: bool = False  # each agent sees only the brief (series F)
    ablation: Literal["K1", "K2", "K3"] | None = None
    on_permanent_failure: Literal["keep", "drop"] = "keep"


def system_prompt(name: str, others: Sequence[str], options: GroupChatOptions) -> str | None:
    """The two-line prompt and its ablations: K1 no peer list, K2 no own name, K3 nothing."""
    if options.isolated:
        return ISOLATED_SYSTEM_PROMPT
    identity = f"You are {name} in a group chat."
    peers = f"Other agents: {', '.join(others)}"
    match options.ablation:
        case "K1":
            return identity
        case "K2":
            return peers
        case "K3":
            return None
    return f"{identity}\n{peers}"


def chat_line(turn: Turn) -> str:
    """How a turn appears to the other agents: its text, then the error that ended it, if any
    (a turn cut by a time limit has both)."""
    said = turn.text.strip() if turn.cut_by or not turn.failed else ""
    parts = [said, f"{ERROR_SIGN} {turn.error}" if turn.failed else ""]
    return f"{turn.nickname}: {' '.join(part for part in parts if part)}"


def _speakers_of_last_round(transcript: Sequence[Turn], last_round: int) -> Iterator[str]:
    """Walk back from the end only as far as the last round goes: O(agents), not O(turns)."""
    for turn in reversed(transcript):
        if turn.human:
            continue
        if turn.round != last_round:
            return
        yield turn.agent_id


class GroupChat(ConversationProtocol):
    name = "group_chat"
    measures = Measures(behaviour=True)

    def __init__(self, config: SessionConfig) -> None:
        super().__init__(config)
        self.options = parse_options(GroupChatOptions, config)
        order = [agent.id for agent in config.agents]
        if self.options.shuffle_order:
            random.Random(config.seed).shuffle(order)
        self.order = tuple(order)

    def initial_names(self) -> dict[str, str]:
        if self.options.naming == "real":
            return {agent.id: agent.model_name for agent in self.config.agents}
        return super().initial_names()

    def _dropped(self, transcript: Sequence[Turn]) -> set[str]:
        if self.options.on_permanent_failure == "keep":
            return set()
        return {turn.agent_id for turn in transcript if turn.error_kind == "permanent"}

    def next_turn(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> TurnPlan | None:
        dropped = self._dropped(transcript)
        active = [agent_id for agent_id in self.order if agent_id not in dropped]
        if not active:
            return None
        last = last_agent_turn(transcript)
        if last is not None:
            spoken = list(_speakers_of_last_round(transcript, last.round))
            remaining = [a for a in active if a not in spoken and self._after(a, spoken)]
            round_index = last.round if remaining else last.round + 1
            speaker = remaining[0] if remaining else active[0]
        else:
            round_index, speaker = 0, active[0]
        if round_index >= self.config.rounds:
            return None
        return TurnPlan(speaker, round_index, self._messages(speaker, transcript, names))

    def _after(self, agent_id: str, spoken: Sequence[str]) -> bool:
        """True when ``agent_id`` comes after everyone who has spoken this round."""
        position = self.order.index(agent_id)
        return all(self.order.index(s) < position for s in spoken)

    def _messages(
        self, speaker: str, transcript: Sequence[Turn], names: Mapping[str, str]
    ) -> tuple[ChatMessage, ...]:
        others = [names[a] for a in self.order if a != speaker]
        prompt = system_prompt(names[speaker], others, self.options)
        lines = [self.config.brief]
        lines += [
            chat_line(turn)
            for turn in transcript
            if (turn.human and turn.reaches(speaker)) or not (turn.human or self.options.isolated)
        ]
        messages = [ChatMessage("user", "\n\n".join(line for line in lines if line))]
        if prompt is not None:
            messages.insert(0, ChatMessage("system", prompt))
        return tuple(messages)
