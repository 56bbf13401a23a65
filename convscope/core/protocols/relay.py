"""The two-agent relay (the relay paper; REFERENCE.md §2).

Two agents alternate, starting from a seed sentence. Each gets only the text of the
previous turn as its one user message: no system prompt, no shared history, nothing
else. A round is one turn here, so ``config.rounds`` is the number of turns (25 in the
paper). A failed or empty turn passes nothing on: the next agent gets the last text
there is (the seed sentence, at worst), so one error does not end the relay. A person's
message is the next input: the next agent reads the messages said to everyone since the
last turn, and those said to it since its own last turn, instead of the relayed text, and
passes its answer on as usual.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from importlib import resources

from pydantic import BaseModel, ConfigDict, Field

from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError
from convscope.core.protocols.base import ConversationProtocol, TurnPlan, parse_options
from convscope.core.protocols.measures import Measures
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn, last_agent_turn


@cache
def seed_sentences() -> tuple[str, ...]:
    """The 50 seed sentences shipped with convscope, in a fixed order (indices are stable)."""
    text = (resources.files("convscope.core.protocols") / "data" / "relay_seeds.txt").read_text("utf-8")
    lines = (line.strip() for line in text.splitlines())
    return tuple(line for line in lines if line and not line.startswith("#"))


class RelayOptions(BaseModel):
    """``seed_sentence`` picks a shipped seed by index; without it, the brief is the seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    seed_sentence: int | None = Field(default=None, ge=0)


class Relay(ConversationProtocol):
    name = "relay"
    measures = Measures(loop_share=True)

    def __init__(self, config: SessionConfig) -> None:
        super().__init__(config)
        if len(config.agents) != 2:
            raise ConfigError(f"a relay needs exactly 2 agents, not {len(config.agents)}")
        self.options = parse_options(RelayOptions, config)
        self.seed = self._seed_sentence()

    def _seed_sentence(self) -> str:
        index = self.options.seed_sentence
        if index is None:
            if not self.config.brief.strip():
                raise ConfigError("a relay needs a seed: set options.seed_sentence or the brief")
            return self.config.brief.strip()
        seeds = seed_sentences()
        if index >= len(seeds):
            raise ConfigError(f"options.seed_sentence must be below {len(seeds)}, not {index}")
        return seeds[index]

    def next_turn(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> TurnPlan | None:
        last = last_agent_turn(transcript)
        turn = 0 if last is None else last.round + 1  # a relay round is one agent turn
        if turn >= self.config.rounds:
            return None
        speaker = self.config.agents[turn % 2].id
        said = self.messages_for(speaker, transcript)
        text = "\n\n".join(said) if said else self.relayed_text(transcript)
        return TurnPlan(speaker, turn, (ChatMessage("user", text),))

    def relayed_text(self, transcript: Sequence[Turn]) -> str:
        """What the next agent reads: the latest text in the relay."""
        for turn in reversed(transcript):
            if not turn.human and not turn.failed and turn.text.strip():
                return turn.text
        return self.seed

    @staticmethod
    def messages_for(speaker: str, transcript: Sequence[Turn]) -> list[str]:
        """The people's messages ``speaker`` reads next, oldest first: those to everyone since
        the last agent's turn (the other agent has read the earlier ones), and those to it
        since its own last turn."""
        said: list[str] = []
        other_spoke = False
        for turn in reversed(transcript):
            if turn.agent_id == speaker:
                break
            if not turn.human:
                other_spoke = True
            elif turn.to == speaker or (turn.to is None and not other_spoke):
                said.append(turn.text)
        return said[::-1]
