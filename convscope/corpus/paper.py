"""The figures the War Room paper reports per War Room series, to print beside ours.

Source: El Kandoussi, "Who Am I, and Who Else Is Here?" (arXiv 2604.00026): profile
similarity (mean pairwise cosine of the 5-trait profiles, averaged over runs) from the
abstract and Table 4, with the bootstrap CIs of section 4.4; the any-trait shares and
ARCH shares of section 5 ("Isolation Confirms Emergence"); the Kruskal-Wallis H of Table 3
(Series A, across agents); compensation events per run from section 4.2. The paper coded
with two LLM judges (intersection of their labels); we code with the ``rules`` coder.
"""

from __future__ import annotations

from typing import TypedDict


class PaperSeries(TypedDict, total=False):
    profile_similarity: float
    profile_similarity_ci: tuple[float, float]
    any_trait_share: float
    arch_share: float
    comp_per_run: float
    kruskal_h: dict[str, float]


PAPER_REFERENCE = "A"  # the paper tests every condition against the heterogeneous baseline

PAPER: dict[str, PaperSeries] = {
    "A": {
        "profile_similarity": 0.56,
        "profile_similarity_ci": (0.48, 0.65),
        "any_trait_share": 0.643,
        "arch_share": 0.39,
        "comp_per_run": 13 / 21,
        "kruskal_h": {"PHATIC": 46.60, "META": 18.13, "LEAD": 28.97, "ARCH": 24.47, "AGREE": 44.52},
    },
    "B": {"profile_similarity": 0.85, "profile_similarity_ci": (0.80, 0.89), "comp_per_run": 0.0},
    "C": {"profile_similarity": 0.77, "comp_per_run": 2.4},
    "E": {"comp_per_run": 3.5},
    "F": {"any_trait_share": 0.042, "arch_share": 0.04, "comp_per_run": 0.0},
    "K1": {"profile_similarity": 0.56},
    "K2": {"profile_similarity": 0.68},
    "K3": {"profile_similarity": 0.89, "comp_per_run": 0.0},
}
