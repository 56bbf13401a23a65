"""Sessions grouped by a field, and the statistics of the War Room paper per group.

- Session metrics are means over the group's sessions (ROUGE, confidence, the share of
  converged loop steps) and the share of sessions in which a loop was detected.
- Behaviour shares are pooled over the group's coded messages (the paper's "4.2% of
  messages"); profile similarity is the mean over sessions of each session's value, with
  a bootstrap CI of that mean (10,000 resamples, seed 42), as in the paper.
- Kruskal-Wallis per trait flag compares agents (by agent id) with one observation per
  agent and session: the share of its messages carrying the flag in that run; Bonferroni
  over the five traits (Table 3). Each message as a 0/1 observation gives H ten times the
  paper's (Series A PHATIC: 515 against 46.6) because N is the number of messages; one
  share per run and agent gives the paper's order of magnitude (58), so that is its unit.
- Against a reference group (the paper's Series A), a two-sided Mann-Whitney U test of
  the per-session profile similarities, with the effect size r = Z / sqrt(N) (Table 4).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from convscope.core.errors import UserError
from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.lexical import ROUGE_TYPES
from convscope.core.metrics.stats import KruskalFlag, bootstrap_ci, kruskal_groups, mann_whitney
from convscope.corpus.sessions import AgentCounts, SessionRow


@dataclass(frozen=True)
class Comparison:
    """Mann-Whitney U of per-session profile similarity against the reference group."""

    reference: str
    U: float
    p: float
    r: float


@dataclass(frozen=True)
class GroupStats:
    group: str
    sessions: int
    turns: int
    failed_turns: int
    rouge: dict[str, float | None]
    confidence: float | None
    loop_share: float  # sessions with a loop detected
    converged_share: float | None
    messages: int  # coded messages (with at least one word)
    silent: int
    trait_shares: dict[str, float | None]
    any_trait_share: float | None
    profile_similarity: float | None  # mean over sessions
    profile_similarity_ci: tuple[float, float] | None
    similarity_sessions: int  # sessions with a defined similarity
    comp_per_run: float | None
    comp_levels: dict[str, int]
    kruskal: dict[str, KruskalFlag]
    versus: Comparison | None = None
    similarities: list[float] = field(default_factory=list, repr=False)


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return float(np.mean(present)) if present else None


def _pooled_agents(rows: Sequence[SessionRow]) -> dict[str, AgentCounts]:
    messages: dict[str, int] = defaultdict(int)
    traits: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(TRAITS, 0))
    for row in rows:
        for agent, counts in (row.behaviour.agents if row.behaviour else {}).items():
            messages[agent] += counts.messages
            for flag, count in counts.traits.items():
                traits[agent][flag] += count
    return {agent: AgentCounts(messages[agent], traits[agent]) for agent in messages}


def kruskal_per_run(rows: Sequence[SessionRow], flags: Sequence[str] = TRAITS) -> dict[str, KruskalFlag]:
    """H and p per flag across agents, one observation per agent and session (its share of
    messages with the flag); None where undefined (fewer than two agents, all values equal)."""
    shares: dict[str, dict[str, list[float]]] = {flag: defaultdict(list) for flag in flags}
    for row in rows:
        for agent, counts in (row.behaviour.agents if row.behaviour else {}).items():
            for flag in flags:
                shares[flag][agent].append(counts.traits[flag] / counts.messages)
    return kruskal_groups({flag: list(shares[flag].values()) for flag in flags})


def group_stats(group: str, rows: Sequence[SessionRow]) -> GroupStats:
    coded = [row.behaviour for row in rows if row.behaviour is not None]
    agents = _pooled_agents(rows)
    messages = sum(counts.messages for counts in agents.values())
    similarities = [b.profile_similarity for b in coded if b.profile_similarity is not None]
    levels = {level: sum(b.comp_events.get(level, 0) for b in coded) for level in ("L1", "L2", "L3")}
    return GroupStats(
        group=group,
        sessions=len(rows),
        turns=sum(row.turns for row in rows),
        failed_turns=sum(row.failed_turns for row in rows),
        rouge={kind: _mean([row.rouge[kind] for row in rows]) for kind in ROUGE_TYPES},
        confidence=_mean([row.confidence for row in rows]),
        loop_share=sum(row.loop_detected for row in rows) / len(rows),
        converged_share=_mean([row.converged_share for row in rows]),
        messages=messages,
        silent=sum(b.silent for b in coded),
        trait_shares={
            flag: sum(c.traits[flag] for c in agents.values()) / messages if messages else None
            for flag in TRAITS
        },
        any_trait_share=sum(b.any_trait for b in coded) / messages if messages else None,
        profile_similarity=_mean(similarities),
        profile_similarity_ci=bootstrap_ci(similarities),
        similarity_sessions=len(similarities),
        comp_per_run=sum(levels.values()) / len(coded) if coded else None,
        comp_levels=levels,
        kruskal=kruskal_per_run(rows),
        similarities=similarities,
    )


def compare_to(stats: dict[str, GroupStats], reference: str) -> dict[str, GroupStats]:
    """Each group with its Mann-Whitney comparison against ``reference`` (itself excluded)."""
    if reference not in stats:
        raise UserError(f"no group {reference!r} to compare with: groups are {', '.join(stats)}")
    base = stats[reference].similarities
    result: dict[str, GroupStats] = {}
    for name, group in stats.items():
        test = None if name == reference else mann_whitney(base, group.similarities)
        versus = None if test is None else Comparison(reference, test.U, test.p, test.r)
        result[name] = replace(group, versus=versus)
    return result


def group_rows(rows: Sequence[SessionRow]) -> dict[str, GroupStats]:
    """One ``GroupStats`` per group value, in sorted group order."""
    grouped: dict[str, list[SessionRow]] = defaultdict(list)
    for row in rows:
        grouped[row.group].append(row)
    return {group: group_stats(group, grouped[group]) for group in sorted(grouped)}
