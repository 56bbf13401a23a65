"""One session's contribution to a corpus analysis: its summary, boiled down to one row.

The row is what the group statistics need and nothing more, so that worker processes send
back a few hundred bytes instead of a session. The metrics are ``session_summary``'s (the
same numbers ``convscope analyze <session>`` prints); the behaviour part adds what pooling
over sessions needs: per agent, how many messages were coded and how many carry each trait.

Silent messages (a reply without a single word, which Kimi K2 sent often in the War Room)
are left out of the behaviour counts, as the War Room paper left them out of its 13,786 coded
messages: a message without a word carries no trait, so only the denominators change.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.lexical import ROUGE_TYPES
from convscope.core.metrics.summary import session_summary
from convscope.core.metrics.summary_model import MetricsSummary
from convscope.core.metrics.tokenize import words
from convscope.sessions.reader import read_session
from convscope.sessions.saved_measures import recorded_scores
from convscope.sessions.schema import SessionDocument

_MISSING = object()


@dataclass(frozen=True)
class AgentCounts:
    messages: int  # coded messages with at least one word
    traits: dict[str, int]  # trait flag -> messages carrying it


@dataclass(frozen=True)
class BehaviourCounts:
    agents: dict[str, AgentCounts]  # by agent id
    any_trait: int  # messages carrying at least one trait
    silent: int  # replies without a word, left out
    profile_similarity: float | None
    comp_events: dict[str, int]  # "L1".."L3" -> messages


@dataclass(frozen=True)
class SessionRow:
    id: str
    title: str
    group: str
    source: str | None  # the importer that made the session, None for a recorded one
    turns: int
    failed_turns: int
    rounds: int
    rouge: dict[str, float | None]  # mean over rounds of the pairwise F between agents
    confidence: float | None
    loop_detected: bool
    loop_onset_turn: int | None
    converged_share: float | None  # share of loop steps that converged
    behaviour: BehaviourCounts | None

    @property
    def messages(self) -> int:
        return 0 if self.behaviour is None else sum(a.messages for a in self.behaviour.agents.values())


def field_value(document: SessionDocument, field: str) -> str:
    """The value a session is grouped by: a dotted key of its provenance, else of its config
    (``series``, ``condition.temperature``, ``options.naming``, ``config.title``, ``status``)."""
    provenance = document.provenance or {}
    config = document.config.model_dump(mode="json")
    everything = {"provenance": provenance, "config": config, "id": document.id, "status": document.status}
    for source in (provenance, config, everything):
        value = _dotted(source, field)
        if value is not _MISSING:
            return "-" if value is None else str(value)
    return "-"


def _dotted(source: Mapping[str, Any], field: str) -> Any:
    value: Any = source
    for part in field.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return _MISSING
        value = value[part]
    return value


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _behaviour(document: SessionDocument, summary: MetricsSummary) -> BehaviourCounts | None:
    """Counts back from the summary's shares: the tracker codes every turn that spoke
    (``Turn.spoke``), so an agent's share times those turns is its messages with the trait."""
    behaviour = summary.behaviour
    if behaviour is None:
        return None
    coded: Counter[str] = Counter()
    silent: Counter[str] = Counter()
    for turn in document.turns:
        if turn.spoke and not turn.human:
            coded[turn.agent_id] += 1
            silent[turn.agent_id] += not words(turn.text)
    agents = {
        agent: AgentCounts(
            messages=coded[agent] - silent[agent],
            traits={flag: round(profile[flag] * coded[agent]) for flag in TRAITS},
        )
        for agent, profile in behaviour.profiles.items()
    }
    any_share = behaviour.any_trait_share
    return BehaviourCounts(
        agents={agent: counts for agent, counts in agents.items() if counts.messages},
        any_trait=0 if any_share is None else round(any_share * behaviour.messages),
        silent=sum(silent.values()),
        profile_similarity=behaviour.profile_similarity,
        comp_events=dict(behaviour.comp_events),
    )


def session_row(document: SessionDocument, by: str, *, semantic: bool = False) -> SessionRow:
    summary = session_summary(
        document.config,
        document.turns,
        controls=document.controls,
        semantic=semantic,
        recorded_scores=recorded_scores(document),
    )
    by_round = summary.rouge.by_round
    loop, facts = summary.loop, summary.session
    return SessionRow(
        id=document.id,
        title=document.config.title,
        group=field_value(document, by),
        source=(document.provenance or {}).get("importer"),
        turns=facts.turns,
        failed_turns=facts.failed_turns,
        rounds=facts.rounds,
        rouge={kind: _mean([getattr(r, kind) for r in by_round]) for kind in ROUGE_TYPES},
        confidence=summary.confidence.mean,
        loop_detected=loop.detected,
        loop_onset_turn=loop.onset_turn,
        converged_share=loop.converged_share,
        behaviour=_behaviour(document, summary),
    )


def row_of_path(path: Path, by: str, semantic: bool) -> SessionRow:
    """The worker's job: read one saved session and boil it down (picklable in and out)."""
    return session_row(read_session(path), by, semantic=semantic)
