"""The incremental metrics tracker: completed turns in, flat JSON-able snapshots out.

The engine's metrics worker calls :meth:`MetricsTracker.prepare` on the turns it has
queued, then :meth:`MetricsTracker.observe` for each turn and :meth:`MetricsTracker.end_round`
after every round (all in its own thread, while the next turns run);
:meth:`MetricsTracker.replay` runs the very same code over a saved session, so live,
replay and ``convscope analyze`` agree. Each turn costs work proportional to the number of
agents, never to the length of the history: a text is tokenised and counted once, ROUGE
pairs are cached, and the loop detector keeps only the last output of each agent.

Failed turns carry error text, not model output: lexical and semantic measures skip them
(a permanent failure still tells the behaviour coder which agent crashed), as they skip a
turn interrupted before it said anything (``Turn.spoke``). A person's
message (a human turn) is no agent's output: it is recorded by identity only, so that the
timeline shows it, and left out of every measure.

Per-turn snapshot keys (each named and explained for display in ``catalogue``, which a test
holds to this list):
- ``turn.index``, ``turn.round``, ``turn.agent_id``, ``turn.failed``;
- ``rouge1``, ``rouge2``, ``rougeL``: mean F over pairs of agents' latest outputs (each
  agent's last output from this round or the previous one), None with fewer than two;
  ``rouge.pairs``: how many pairs;
- ``confidence.<agent_id>``: that agent's latest confidence; ``confidence.mean``: their mean;
- ``loop.bleu``, ``loop.jaccard``, ``loop.coherence_change``, ``loop.cosine``: distances of
  the latest output from the previous output (None before there is one; cosine None unless
  ``semantic``); ``loop.own.*``: the same against that agent's own previous output;
  ``loop.converged`` (the latest step), ``loop.converged_steps`` (the current run),
  ``loop.detected`` (a loop happened), ``loop.active`` (looping now), ``loop.onset_turn``
  (turn index where the first loop started, or None); ``loop.thresholds.<name>``: the
  thresholds in force;
- ``opinion.score``: this turn's own opinion score (None without an opinion scorer, for a
  turn that did not speak, or when the scorer could not read it); saved with the session, so that a
  replay reads a judge's scores instead of calling it again;
- ``disagreement.std``: population STD of the agents' latest opinion scores (None without
  an opinion scorer or with fewer than two scores);
- ``behaviour.<FLAG>`` for PHATIC, META, LEAD, ARCH, AGREE, COMP, plus
  ``behaviour.COMP_level`` and ``behaviour.has_xref``: the ``rules`` coder on this turn
  (None for a turn that did not speak or when ``behaviour`` is off);
- ``tokens.prompt``, ``tokens.completion``, ``tokens.total``, ``tokens.agent.<agent_id>`` and,
  with ``prices``, ``cost.total`` and ``cost.agent.<agent_id>``: the session's usage so far, as
  the providers reported it (``usage.py``), every turn counted, measured or not.

Per-round snapshot keys: ``round``; ``rouge1/2/L`` and ``rouge.pairs`` over the round's
outputs or, when it has exactly one (a relay round is one turn), between that output and
the other agents' latest outputs from this round or the previous one, so that a relay round
compares the two agents' latest outputs, the relay paper's measure (a round with no output, every
turn failed, has None); ``confidence.<agent_id>`` (mean
over the agent's turns in the round) and ``confidence.mean``; the ``loop.*`` state at the
end of the round (not the distances); ``disagreement.std`` over the round's scores;
``stability.identical`` (share of agents whose output is string-identical to their previous
round's) and ``stability.retention`` (mean token retention against the previous round, with
the tracker's tokenizer); ``behaviour.<TRAIT>`` (share of the round's messages),
``behaviour.any_share`` and ``profile.similarity`` (over the session so far); the usage so far.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from convscope.core.agents import AgentSpec, model_name
from convscope.core.metrics.behaviour import FLAGS, TRAITS, BehaviourCodes, code_behaviour
from convscope.core.metrics.confidence import Language, confidence_score
from convscope.core.metrics.embeddings import Embedder, default_embedder
from convscope.core.metrics.lexical import ROUGE_TYPES, RougeText, TokenizerName, mean_rouge, rouge_f
from convscope.core.metrics.loops import DISTANCES, Distances, LoopDetector, LoopThresholds, thresholds_from
from convscope.core.metrics.opinion_dynamics import disagreement
from convscope.core.metrics.profile import any_trait_share, profile_similarity, profiles
from convscope.core.metrics.stability import normalise_whitespace, prepared_token_retention
from convscope.core.metrics.usage import Price, UsageMeter
from convscope.core.records import ControlRecord, ThresholdsChanged, Turn
from convscope.core.snapshot import Snapshot

OpinionFn = Callable[[Turn], float | None]  # a turn's answer -> its score


@dataclass(frozen=True)
class _Output:
    turn: Turn
    rouge: RougeText
    confidence: float
    opinion: float | None


class MetricsTracker:
    """Consumes completed turns one at a time; see the module docstring for the keys.

    ``agents`` (optional) names the session's agents up front, so the behaviour coder
    recognises a mention of an agent that has not spoken yet. ``semantic`` adds the cosine
    distance of MiniLM embeddings to loop detection (off by default live: it is the one
    costly measure). ``opinion`` turns a successful turn into a score in [0, 1] (or None) for
    ``opinion.score`` and ``disagreement.std``: it is given the whole turn, so that a replay
    can answer with the score recorded for that turn; it is called in the tracker's thread,
    so it must be synchronous. A turn that ``measured`` refuses is recorded by identity only
    and left out of every measure (a coding panel's summaries). ``round_constants`` are
    added to every round's snapshot (an opinion network's DeGroot theory).
    """

    def __init__(
        self,
        *,
        agents: Iterable[AgentSpec] = (),
        thresholds: LoopThresholds | None = None,
        semantic: bool = False,
        embedder: Embedder | None = None,
        behaviour: bool = True,
        language: Language | Literal["auto"] = "auto",
        tokenizer: TokenizerName = "unicode",
        opinion: OpinionFn | None = None,
        measured: Callable[[Turn], bool] | None = None,
        round_constants: Mapping[str, float] | None = None,
        prices: Mapping[str, Price] | None = None,
    ) -> None:
        self.semantic = semantic
        self.behaviour = behaviour
        self.language: Language | Literal["auto"] = language
        self.tokenizer: TokenizerName = tokenizer
        self.opinion = opinion
        self.measured = measured
        self.round_constants = dict(round_constants or {})
        self._embedder = embedder
        self.usage = UsageMeter(prices)
        self.loops = LoopDetector(thresholds)
        self._names: dict[str, None] = {agent.nickname: None for agent in agents}  # ordered set
        self._crashed: dict[str, None] = {}
        self._latest: dict[str, _Output] = {}  # agent id -> its last successful output
        self._pairs: dict[tuple[int, int], dict[str, float]] = {}  # ROUGE F by pair of turn indexes
        self._round: list[_Output] = []  # successful outputs of the round in progress
        self._previous_round: dict[str, _Output] = {}  # agent id -> its output in the last closed round
        self.confidence: dict[str, list[float]] = defaultdict(list)  # agent id -> per successful turn
        self.codes: dict[str, list[BehaviourCodes]] = defaultdict(list)  # agent id -> per coded turn
        self._round_codes: list[BehaviourCodes] = []
        self._lock = threading.Lock()

    # -- controls ------------------------------------------------------------------------

    def set_thresholds(self, thresholds: LoopThresholds | Mapping[str, float | int]) -> None:
        """New loop thresholds (whole or some fields); the loop state is re-read at once.

        Safe to call from another thread (the TUI's) while the engine's worker observes turns.
        """
        with self._lock:
            if not isinstance(thresholds, LoopThresholds):
                thresholds = thresholds_from(thresholds, self.loops.thresholds)
            self.loops.set_thresholds(thresholds)

    def apply_control(self, record: ControlRecord) -> None:
        """Take a recorded threshold change into account (other controls do not touch metrics)."""
        if isinstance(record, ThresholdsChanged):
            self.set_thresholds(record.thresholds)

    # -- the engine's hook -----------------------------------------------------------------

    def prepare(self, turns: Sequence[Turn]) -> None:
        """Embed the texts of turns about to be observed in one batch (a no-op unless
        ``semantic``): one model call for a whole round instead of one per turn, and
        :meth:`observe` then finds each vector in the embedder's cache."""
        if not self.semantic:
            return
        texts = [turn.text for turn in turns if turn.spoke and self._measures(turn)]
        if texts:
            self._embedder_in_use().encode(texts)

    def _measures(self, turn: Turn) -> bool:
        return not turn.human and (self.measured is None or self.measured(turn))

    def observe(self, turn: Turn) -> dict[str, Any]:
        """Take one completed (or failed) turn; return its snapshot."""
        with self._lock:
            return self._observe(turn)

    def end_round(self, round_index: int) -> dict[str, Any]:
        """Close the round in progress; return its snapshot."""
        with self._lock:
            return self._end_round(round_index)

    def _observe(self, turn: Turn) -> dict[str, Any]:
        identity = {"turn.index": turn.index, "turn.round": turn.round, "turn.agent_id": turn.agent_id}
        if turn.human:  # a person's message: no agent spoke, no tokens were used
            return identity
        self.usage.observe(turn.agent_id, turn.model, turn.prompt_tokens, turn.completion_tokens)
        if not self._measures(turn):
            return identity | self.usage.values()
        self._names.setdefault(turn.nickname, None)
        codes: BehaviourCodes | None = None
        if turn.failed and turn.error_kind == "permanent":
            for alias in (turn.nickname, model_name(turn.model)):
                self._crashed.setdefault(alias, None)
        if turn.spoke:
            codes = self._add_output(turn)
        values: dict[str, Any] = {
            "turn.index": turn.index,
            "turn.round": turn.round,
            "turn.agent_id": turn.agent_id,
            "turn.failed": turn.failed,
        }
        values.update(self._rouge_values(list(self._window(turn.round))))
        values.update(self._confidence_values({a: o.confidence for a, o in self._latest.items()}))
        values.update(self._loop_values(with_distances=True))
        values["opinion.score"] = self._latest[turn.agent_id].opinion if turn.spoke else None
        values["disagreement.std"] = _std([o.opinion for o in self._window(turn.round)])
        for flag in (*FLAGS, "COMP_level", "has_xref"):
            values[f"behaviour.{flag}"] = None if codes is None else codes[flag]
        values.update(self.usage.values())
        return values

    def _end_round(self, round_index: int) -> dict[str, Any]:
        outputs = self._round
        round_confidence: dict[str, list[float]] = defaultdict(list)
        for output in outputs:
            round_confidence[output.turn.agent_id].append(output.confidence)
        values: dict[str, Any] = {"round": round_index}
        if len(outputs) == 1:
            values.update(self._rouge_values(list(self._window(round_index)), involving=outputs[0]))
        else:
            values.update(self._rouge_values(outputs))
        values.update(self._confidence_values({a: float(np.mean(v)) for a, v in round_confidence.items()}))
        values.update(self._loop_values(with_distances=False))
        values["disagreement.std"] = _std([o.opinion for o in outputs])
        values.update(self._stability_values(outputs))
        if self.behaviour:
            for flag in TRAITS:
                share = np.mean([c[flag] for c in self._round_codes]) if self._round_codes else None
                values[f"behaviour.{flag}"] = None if share is None else float(share)
            values["behaviour.any_share"] = any_trait_share(self._round_codes)
            values["profile.similarity"] = profile_similarity(profiles(self.codes))
        values.update(self.round_constants)
        values.update(self.usage.values())
        self._previous_round.update({o.turn.agent_id: o for o in outputs})
        self._round = []
        self._round_codes = []
        return values

    # -- replay ----------------------------------------------------------------------------

    def run(
        self, turns: Iterable[Turn], controls: Sequence[ControlRecord] = (), *, close_last_round: bool = True
    ) -> list[Snapshot]:
        """Observe ``turns`` in order, closing each round when the next begins and at the end;
        ``controls`` take effect before the turn they are stamped with. Without
        ``close_last_round`` the tracker is left where a live one stood after the last turn
        (the last round open, every control applied): a resumed session or a branch goes on
        from there, and the engine closes that round when the next one starts."""
        pending = sorted(controls, key=lambda record: record.turn_index)
        snapshots: list[Snapshot] = []
        current: int | None = None
        for turn in sorted(turns, key=lambda t: t.index):
            if current is not None and turn.round != current:
                snapshots.append(Snapshot(None, current, self.end_round(current)))
            while pending and pending[0].turn_index <= turn.index:
                self.apply_control(pending.pop(0))
            current = turn.round
            snapshots.append(Snapshot(turn.index, turn.round, self.observe(turn)))
        if current is not None and close_last_round:
            snapshots.append(Snapshot(None, current, self.end_round(current)))
        if not close_last_round:
            for record in pending:
                self.apply_control(record)
        return snapshots

    @classmethod
    def replay(
        cls, turns: Iterable[Turn], *, controls: Sequence[ControlRecord] = (), **options: Any
    ) -> list[Snapshot]:
        """A fresh tracker (``options`` as for the constructor) run over a saved session."""
        return cls(**options).run(turns, controls)

    # -- internals -------------------------------------------------------------------------

    def _add_output(self, turn: Turn) -> BehaviourCodes | None:
        agent = turn.agent_id
        score = confidence_score(turn.text, self.language)
        opinion = None if self.opinion is None else self.opinion(turn)
        output = _Output(turn, RougeText.of(turn.text, self.tokenizer), score, opinion)
        replaced = self._latest.get(agent)
        if replaced is not None:
            self._pairs = {pair: f for pair, f in self._pairs.items() if replaced.turn.index not in pair}
        for other in self._window(turn.round):
            if other.turn.agent_id != agent:
                self._pairs[_pair(other.turn.index, turn.index)] = rouge_f(other.rouge, output.rouge)
        self._latest[agent] = output
        self._round.append(output)
        self.confidence[agent].append(score)
        embedding = self._embedding(turn.text) if self.semantic else None
        self.loops.feed(turn.text, agent=agent, key=turn.index, embedding=embedding)
        if not self.behaviour:
            return None
        codes = code_behaviour(
            turn.text, speaker=turn.nickname, agents=list(self._names), crashed=list(self._crashed)
        )
        self.codes[agent].append(codes)
        self._round_codes.append(codes)
        return codes

    def _window(self, round_index: int) -> Iterable[_Output]:
        """Each agent's latest output, if it is from this round or the previous one."""
        return (o for o in self._latest.values() if o.turn.round >= round_index - 1)

    def _embedding(self, text: str) -> NDArray[np.float32]:
        return self._embedder_in_use().encode_one(text)

    def _embedder_in_use(self) -> Embedder:
        if self._embedder is None:
            self._embedder = default_embedder()
        return self._embedder

    def _rouge_values(
        self, outputs: Sequence[_Output], *, involving: _Output | None = None
    ) -> dict[str, Any]:
        """Mean ROUGE over the pairs of ``outputs`` (only those with ``involving``, if given)."""
        indexes = sorted(o.turn.index for o in outputs)
        pairs: Iterable[tuple[int, int]] = combinations(indexes, 2)
        if involving is not None:
            pairs = (pair for pair in pairs if involving.turn.index in pair)
        scores = [self._pairs[pair] for pair in pairs if pair in self._pairs]
        means = mean_rouge(scores)
        return {**{kind: means[kind] for kind in ROUGE_TYPES}, "rouge.pairs": len(scores)}

    def _confidence_values(self, by_agent: Mapping[str, float]) -> dict[str, Any]:
        values: dict[str, Any] = {f"confidence.{agent}": score for agent, score in by_agent.items()}
        values["confidence.mean"] = float(np.mean(list(by_agent.values()))) if by_agent else None
        return values

    def _loop_values(self, *, with_distances: bool) -> dict[str, Any]:
        loops = self.loops
        values: dict[str, Any] = {
            "loop.converged_steps": loops.converged_steps,
            "loop.detected": loops.detected,
            "loop.active": loops.active,
            "loop.onset_turn": loops.onset,
        }
        values.update({f"loop.thresholds.{k}": v for k, v in loops.thresholds.model_dump().items()})
        if with_distances:
            step = loops.last
            values.update(_distances("loop", step.previous if step else None))
            values.update(_distances("loop.own", step.own if step else None))
            values["loop.converged"] = loops.converged_steps > 0
        return values

    def _stability_values(self, outputs: Sequence[_Output]) -> dict[str, Any]:
        compared = [
            (self._previous_round[o.turn.agent_id], o)
            for o in outputs
            if o.turn.agent_id in self._previous_round
        ]
        if not compared:
            return {"stability.identical": None, "stability.retention": None}
        same = [normalise_whitespace(a.turn.text) == normalise_whitespace(b.turn.text) for a, b in compared]
        kept = [prepared_token_retention(a.rouge, b.rouge) for a, b in compared]
        return {"stability.identical": sum(same) / len(same), "stability.retention": float(np.mean(kept))}


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def _distances(prefix: str, distances: Distances | None) -> dict[str, float | None]:
    return {f"{prefix}.{name}": None if distances is None else distances[name] for name in DISTANCES}


def _std(scores: Sequence[float | None]) -> float | None:
    present = [s for s in scores if s is not None]
    return float(disagreement(present)) if len(present) >= 2 else None
