"""Behaviour profiles and how alike they are (the War Room paper, RQ3-RQ5).

An agent's profile in a run is the share of its messages carrying each of the five trait
flags (PHATIC, META, LEAD, ARCH, AGREE; COMP is reactive and left out). A run's profile
similarity is the mean cosine over pairs of agents, skipping any pair in which a profile
is all zero (its direction is undefined), as the paper's figure script does; the paper
reports it averaged over the runs of a series (heterogeneous 0.56, homogeneous 0.85).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

import numpy as np

from convscope.core.metrics.behaviour import TRAITS, BehaviourCodes


def behaviour_profile(codes: Sequence[BehaviourCodes]) -> list[float]:
    """Share of ``codes`` (one agent's messages) carrying each trait flag, in ``TRAITS`` order."""
    if not codes:
        return [0.0] * len(TRAITS)
    return [sum(bool(code[flag]) for code in codes) / len(codes) for flag in TRAITS]


def profiles(codes_by_agent: Mapping[str, Sequence[BehaviourCodes]]) -> dict[str, list[float]]:
    """The profile of every agent that has at least one coded message."""
    return {agent: behaviour_profile(codes) for agent, codes in codes_by_agent.items() if codes}


def profile_similarity(agent_profiles: Mapping[str, Sequence[float]]) -> float | None:
    """Mean pairwise cosine of the profiles, skipping all-zero ones; None without a pair."""
    vectors = [np.asarray(p, dtype=np.float64) for p in agent_profiles.values()]
    cosines = [
        float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))
        for a, b in combinations(vectors, 2)
        if a.any() and b.any()
    ]
    return float(np.mean(cosines)) if cosines else None


def any_trait_share(codes: Sequence[BehaviourCodes]) -> float | None:
    """Share of messages with at least one trait flag (paper: 64.3% in groups, 4.2% isolated)."""
    if not codes:
        return None
    return sum(any(code[flag] for flag in TRAITS) for code in codes) / len(codes)
