"""The opinion network (the opinion-network paper, DeGroot; REFERENCE.md §4).

K agents (the session's agents, in config order) sit on a communication graph. Round 0:
each states an opinion from the stance it is given. Every later round all agents answer
at once (one simultaneous batch); each sees its own previous answer and its in-neighbours'
previous answers, nothing else. The system prompt gives each agent its character and,
in weighted runs, its DeGroot weights in words.

Everything drawn at random (graph, characters, stances, topic) comes from the session
seed (or ``graph_seed``), so :func:`network_theory` rebuilds the same network from the
config alone: the combination matrix, |λ2|, the theoretical halving time and the DeGroot
forecast, known before the first turn and shown beside the live disagreement.
``config.rounds`` counts every round, round 0 included. A person's message reaches every
node, or the one it names: each agent's next prompt carries the messages meant for it
since its last answer. Human turns are nobody's answer.
"""

from __future__ import annotations

import dataclasses
import random
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, cast, get_args

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError
from convscope.core.graphs import (
    CHARACTER_SELF_WEIGHTS,
    Character,
    combination_matrix,
    complete_graph,
    erdos_renyi,
    halving_time,
    in_neighbours,
    perron_vector,
    ring_graph,
    second_eigenvalue_modulus,
)
from convscope.core.metrics.tracker import MetricsTracker
from convscope.core.protocols.base import ConversationProtocol, RecordedScores, TurnPlan, parse_options
from convscope.core.providers.base import ChatMessage
from convscope.core.records import Turn, last_agent_turn

if TYPE_CHECKING:  # the graph is built in core.graphs, which imports networkx when it does
    import networkx as nx

Stance = Literal["for", "neutral", "against"]
STANCE_VALUES: dict[Stance, float] = {"against": 0.0, "neutral": 0.5, "for": 1.0}
TOPICS = (
    "Bitcoin",
    "Euthanasia",
    "Veganism",
    "Vaping",
    "Gene editing",
    "Ghosting",
    "C. Ronaldo",
    "Remote work",
)
CHARACTER_TEXT: dict[Character, str] = {
    "self-confident": "you rely more on your own previous opinion than on the opinions of others",
    "open-minded": "you are open to the opinions of others and readily take them into account",
}

# The prompt's wording, and how a scripted DeGroot agent reads it back (see read_prompt).
_WEIGHTS = "When you update your opinion, give {own} weight to your own previous opinion and split the remaining {rest} equally among the {n} people you hear."  # noqa: E501
_WEIGHT_PATTERN = re.compile(r"give (\d+(?:\.\d+)?)% weight to your own previous opinion")
_CHARACTER_PATTERN = re.compile(r"You are (self-confident|open-minded)\b")
_STANCE_LINE = "Your initial stance on {topic}: {stance}."
_STANCE_PATTERN = re.compile(r"Your initial stance on .*?: (for|neutral|against)\.")
_PREVIOUS = "Your previous answer:"
_HEARD = "What the people you hear said:"
_TOLD = "A message for you from {name}:"
_ASK_FIRST = "State your opinion on {topic} in two or three sentences."
_ASK_UPDATE = "Give your updated opinion on {topic} in two or three sentences."


class NetworkOptions(BaseModel):
    """The network's shape, its agents' characters and stances, and how answers are scored."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    graph: Literal["erdos_renyi", "complete", "ring"] = "erdos_renyi"
    p: float = Field(default=0.3, gt=0.0, le=1.0)  # Erdős–Rényi edge probability
    directed: bool = False  # complete and ring; Erdős–Rényi graphs are always directed
    graph_seed: int | None = None  # None: the session seed
    characters: Literal["random"] | tuple[Character, ...] = "random"
    self_confident_weight: float = Field(default=CHARACTER_SELF_WEIGHTS["self-confident"], ge=0.0, le=1.0)
    open_minded_weight: float = Field(default=CHARACTER_SELF_WEIGHTS["open-minded"], ge=0.0, le=1.0)
    weighted: bool = True  # state the weights in the prompt; False: only the character
    initial: Literal["uniform", "biased-for", "biased-against"] | tuple[Stance, ...] = "uniform"
    majority: float = Field(default=0.8, gt=0.5, le=1.0)  # share of the majority in a biased start
    topic: str | None = None  # None: drawn from TOPICS
    scorer: str = "embedding"  # judge, embedding, vader or pattern (metrics.opinion)
    judge: str | None = None  # provider spec of the judge, for scorer = "judge"
    judge_key_env: str | None = None

    @field_validator("scorer")
    @classmethod
    def _known_scorer(cls, value: str) -> str:
        from convscope.core.metrics.opinion import ScorerKind  # not at import: the metrics package is heavy

        if value not in get_args(ScorerKind):
            raise ValueError(f"unknown opinion scorer {value!r}; choose {', '.join(get_args(ScorerKind))}")
        return value

    @model_validator(mode="after")
    def _judge_needs_a_model(self) -> NetworkOptions:
        if self.scorer == "judge" and not self.judge:
            raise ValueError(
                "the 'judge' scorer needs options.judge, a provider spec such as openai:gpt-5-nano"
            )
        return self

    def judge_agent(self) -> AgentSpec | None:
        """The judge as an agent spec, checked and resolved like an agent; None without one."""
        if self.scorer != "judge" or self.judge is None:
            return None
        return AgentSpec(id="judge", nickname="judge", provider=self.judge, key_env=self.judge_key_env)


@dataclass(frozen=True)
class NetworkTheory:
    """The network a config describes, and what DeGroot predicts for it."""

    agents: tuple[str, ...]  # agent ids; the matrix's rows and columns follow this order
    topic: str
    graph: nx.Graph
    characters: tuple[Character, ...]
    self_weights: tuple[float, ...]
    stances: tuple[Stance, ...]
    matrix: NDArray[np.float64]  # A[l, k]: weight agent k gives agent l (graphs.py)
    initial: NDArray[np.float64]  # x0: for 1, neutral 0.5, against 0
    perron: NDArray[np.float64]
    lambda2: float
    halving_time: float
    forecast: float  # πᵀx0, the consensus DeGroot predicts

    def heard_by(self, agent_id: str) -> list[str]:
        """The agents ``agent_id`` hears, itself excluded, in config order."""
        heard = set(in_neighbours(self.graph, self.agents.index(agent_id)))
        return [agent for position, agent in enumerate(self.agents) if position in heard]

    def summary(self) -> dict[str, float]:
        """The theory as metric values, shown beside the live disagreement."""
        return {
            "theory.lambda2": self.lambda2,
            "theory.halving_time": self.halving_time,
            "theory.forecast": self.forecast,
        }


def _graph(options: NetworkOptions, k: int, seed: int) -> nx.Graph:
    if options.graph == "erdos_renyi":
        return erdos_renyi(k, options.p, seed=seed)
    if options.graph == "complete":
        return complete_graph(k, directed=options.directed)
    return ring_graph(k, directed=options.directed)


def _stances(options: NetworkOptions, k: int, seed: int) -> tuple[Stance, ...]:
    rng = random.Random(f"{seed}:stances")
    if options.initial == "uniform":
        return tuple(rng.choice(("for", "neutral", "against")) for _ in range(k))
    if isinstance(options.initial, tuple):
        return options.initial
    major: Stance = "for" if options.initial == "biased-for" else "against"
    minor: tuple[Stance, Stance] = ("neutral", "against") if major == "for" else ("for", "neutral")
    count = round(options.majority * k)
    stances = [major] * count + [rng.choice(minor) for _ in range(k - count)]
    rng.shuffle(stances)
    return tuple(stances)


def _characters(options: NetworkOptions, k: int, seed: int) -> tuple[Character, ...]:
    if isinstance(options.characters, tuple):
        return options.characters
    rng = random.Random(f"{seed}:characters")
    return tuple(rng.choice(("self-confident", "open-minded")) for _ in range(k))


def network_theory(config: SessionConfig) -> NetworkTheory:
    """Rebuild the network of a config (same seed, same network) and its DeGroot predictions."""
    options = parse_options(NetworkOptions, config)
    k = len(config.agents)
    if k < 2:
        raise ConfigError("an opinion network needs at least 2 agents")
    for name, given in (("characters", options.characters), ("initial", options.initial)):
        if isinstance(given, tuple) and len(given) != k:
            raise ConfigError(f"options.{name} lists {len(given)} values for {k} agents")
    graph = _graph(options, k, config.seed if options.graph_seed is None else options.graph_seed)
    characters = _characters(options, k, config.seed)
    weight = {"self-confident": options.self_confident_weight, "open-minded": options.open_minded_weight}
    self_weights = tuple(weight[character] for character in characters)
    matrix = combination_matrix(graph, self_weights)
    stances = _stances(options, k, config.seed)
    initial = np.array([STANCE_VALUES[stance] for stance in stances])
    perron = perron_vector(matrix)
    return NetworkTheory(
        agents=tuple(agent.id for agent in config.agents),
        topic=options.topic or random.Random(f"{config.seed}:topic").choice(TOPICS),
        graph=graph,
        characters=characters,
        self_weights=self_weights,
        stances=stances,
        matrix=matrix,
        initial=initial,
        perron=perron,
        lambda2=second_eigenvalue_modulus(matrix),
        halving_time=halving_time(matrix),
        forecast=float(perron @ initial),
    )


def _percent(share: float) -> str:
    return f"{share * 100:.4g}%"


class OpinionNetwork(ConversationProtocol):
    name = "network"

    def __init__(self, config: SessionConfig) -> None:
        super().__init__(config)
        self.options = parse_options(NetworkOptions, config)
        self.theory = network_theory(config)
        self.heard = {agent: self.theory.heard_by(agent) for agent in self.theory.agents}

    @classmethod
    def tracker(
        cls,
        config: SessionConfig,
        *,
        semantic: bool,
        recorded_scores: RecordedScores | None = None,
        judge_new_turns: bool = False,
    ) -> MetricsTracker:
        """Every answer is scored with the scorer the config names (``opinion.score``, and the
        live ``disagreement.std``), and every round's snapshot carries the DeGroot theory
        beside it. Given ``recorded_scores``, a judge is not asked again about those turns."""
        from convscope.core.protocols.network_scoring import network_opinion

        opinion = network_opinion(config, recorded=recorded_scores, judge_new_turns=judge_new_turns)
        return MetricsTracker(
            agents=config.agents,
            prices=config.prices,
            semantic=semantic,
            behaviour=cls.measures.behaviour,
            opinion=opinion,
            round_constants=network_theory(config).summary(),
        )

    @classmethod
    async def session_measures(
        cls, config: SessionConfig, turns: Sequence[Turn], recorded_scores: RecordedScores
    ) -> dict[str, Any]:
        """The run against the DeGroot theory (the opinion-network paper's analysis), under ``consensus``."""
        from convscope.core.protocols.network_scoring import consensus_of

        if not turns:
            return {}
        report, _ = await consensus_of(config, turns, recorded=recorded_scores)
        return {"consensus": dataclasses.asdict(report)}

    def models_called(self) -> tuple[AgentSpec, ...]:
        judge = self.options.judge_agent()
        return self.config.agents if judge is None else (*self.config.agents, judge)

    def next_turn(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> TurnPlan | None:
        plans = self.next_turns(transcript, names)
        return plans[0] if plans else None

    def next_turns(self, transcript: Sequence[Turn], names: Mapping[str, str]) -> tuple[TurnPlan, ...]:
        """The whole round at once; after a batch cut short, only the agents it is missing."""
        round_index, pending = 0, list(self.theory.agents)
        last = last_agent_turn(transcript)
        if last is not None:
            last_round = last.round
            answered = {turn.agent_id for turn in _round_turns(transcript, last_round)}
            missing = [agent for agent in self.theory.agents if agent not in answered]
            round_index, pending = (last_round, missing) if missing else (last_round + 1, pending)
        if round_index >= self.config.rounds:
            return ()
        answers = self._latest_answers(transcript, round_index)
        return tuple(
            TurnPlan(agent, round_index, self._messages(agent, round_index, answers, names, transcript))
            for agent in pending
        )

    def _latest_answers(self, transcript: Sequence[Turn], before_round: int) -> dict[str, Turn]:
        """Each agent's last answer before ``before_round`` (walks back only as far as needed):
        a failed turn, or one interrupted before it said anything, leaves the one before."""
        found: dict[str, Turn] = {}
        for turn in reversed(transcript):
            if len(found) == len(self.theory.agents):
                break
            if turn.round < before_round and turn.spoke and not turn.human and turn.agent_id not in found:
                found[turn.agent_id] = turn
        return found

    def system_prompt(self, agent: str, names: Mapping[str, str]) -> str:
        position = self.theory.agents.index(agent)
        character = self.theory.characters[position]
        people = len(self.theory.agents)
        lines = [
            f"You are {names[agent]}, one of {people} people discussing {self.theory.topic}.",
            f"You are {character}: {CHARACTER_TEXT[character]}.",
        ]
        heard = len(self.heard[agent])
        if self.options.weighted and heard:
            own = self.theory.self_weights[position]
            lines.append(_WEIGHTS.format(own=_percent(own), rest=_percent(1.0 - own), n=heard))
        return "\n".join(lines)

    def _messages(
        self,
        agent: str,
        round_index: int,
        answers: Mapping[str, Turn],
        names: Mapping[str, str],
        transcript: Sequence[Turn],
    ) -> tuple[ChatMessage, ...]:
        topic = self.theory.topic
        own = answers.get(agent)
        if own is None:
            stance = self.theory.stances[self.theory.agents.index(agent)]
            parts = [_STANCE_LINE.format(topic=topic, stance=stance)]
        else:
            parts = [f"{_PREVIOUS}\n{own.text.strip()}"]
        heard = [answers[other] for other in self.heard[agent] if other in answers]
        if round_index > 0 and heard:
            parts.append("\n".join([_HEARD, *(f"{turn.nickname}: {turn.text.strip()}" for turn in heard)]))
        told = _told(agent, transcript)
        parts += [f"{_TOLD.format(name=turn.nickname)}\n{turn.text.strip()}" for turn in told]
        parts.append((_ASK_UPDATE if round_index > 0 else _ASK_FIRST).format(topic=topic))
        system = ChatMessage("system", self.system_prompt(agent, names))
        return (system, ChatMessage("user", "\n\n".join(parts)))


def _told(agent: str, transcript: Sequence[Turn]) -> list[Turn]:
    """The people's messages meant for ``agent`` since its last turn, oldest first."""
    told: list[Turn] = []
    for turn in reversed(transcript):
        if turn.agent_id == agent:
            break
        if turn.human and turn.reaches(agent):
            told.append(turn)
    return told[::-1]


def _round_turns(transcript: Sequence[Turn], round_index: int) -> list[Turn]:
    """The agents' turns of the last round, walking back from the end: O(agents), not O(turns)."""
    turns: list[Turn] = []
    for turn in reversed(transcript):
        if turn.human:
            continue
        if turn.round != round_index:
            break
        turns.append(turn)
    return turns


@dataclass(frozen=True)
class PromptReading:
    """What a DeGroot agent takes from its prompt: its own opinion, those it hears, its self-weight."""

    own: float
    heard: tuple[float, ...]
    self_weight: float

    def update(self) -> float:
        """The DeGroot update: self-weight on its own opinion, the rest split equally over the heard."""
        if not self.heard:
            return self.own
        return self.self_weight * self.own + (1.0 - self.self_weight) * sum(self.heard) / len(self.heard)


def read_prompt(messages: Sequence[ChatMessage]) -> PromptReading:
    """Read a network prompt back as numbers: the stated opinions ("opinion: 0.25") line by
    line (its own answer first, unless the prompt gives its initial stance instead), and its
    self-weight from the weights stated in the system prompt or, in weightless runs, from
    its character's standard weight. ValueError when the prompt is not a network prompt."""
    from convscope.core.metrics.opinion import parse_stated_opinion

    system = next((m.content for m in messages if m.role == "system"), "")
    user = next((m.content for m in reversed(messages) if m.role == "user"), "")
    stated = [value for line in user.splitlines() if (value := parse_stated_opinion(line)) is not None]
    stance = _STANCE_PATTERN.search(user)
    if stance is not None:
        own, heard = STANCE_VALUES[cast(Stance, stance.group(1))], stated
    elif stated:
        own, heard = stated[0], stated[1:]
    else:
        raise ValueError("no stated opinion and no initial stance in the prompt")
    weight = _WEIGHT_PATTERN.search(system)
    if weight is not None:
        return PromptReading(own, tuple(heard), float(weight.group(1)) / 100.0)
    character = _CHARACTER_PATTERN.search(system)
    if character is None:
        raise ValueError("the system prompt states neither weights nor a character")
    return PromptReading(own, tuple(heard), CHARACTER_SELF_WEIGHTS[cast(Character, character.group(1))])
