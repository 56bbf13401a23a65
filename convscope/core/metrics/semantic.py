"""Embedding-space measures of the coding panel (the coding-panel paper): influence matrix and opinion axis.

Both take embeddings, not texts, so the caller chooses the encoder (and its cache) and the
tests can check the definitions by hand on small vectors.
"""

from __future__ import annotations

import warnings

import numpy as np
from numpy.typing import ArrayLike, NDArray


def influence_by_round(embeddings: ArrayLike) -> NDArray[np.float64]:
    """Per round t >= 1, M_t[target, source] = cos(emb(target at t), emb(source at t-1)).

    ``embeddings`` has shape (rounds, agents, dim); an agent missing in a round (a failed
    turn) is a row of NaN and yields NaN entries. Result shape: (rounds - 1, agents, agents).
    """
    rounds = _unit_rows(np.asarray(embeddings, dtype=np.float64))
    if rounds.ndim != 3:
        raise ValueError(f"expected shape (rounds, agents, dim), got {rounds.shape}")
    return np.asarray(np.einsum("tad,tbd->tab", rounds[1:], rounds[:-1]), dtype=np.float64)


def influence_matrix(embeddings: ArrayLike) -> NDArray[np.float64]:
    """Mean over rounds of :func:`influence_by_round` (the coding-panel paper, Appendix C).

    The diagonal is each agent's self-consistency in embedding space; row ``i`` says how
    close agent ``i``'s output stays to what each agent said the round before. Rounds with
    a NaN entry are skipped for that entry; an entry never observed is NaN.
    """
    per_round = influence_by_round(embeddings)
    if per_round.shape[0] == 0:
        raise ValueError("the influence matrix needs at least two rounds")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN entries stay NaN, on purpose
        return np.asarray(np.nanmean(per_round, axis=0), dtype=np.float64)


def opinion_axis(embeddings: ArrayLike) -> NDArray[np.float64]:
    """Each utterance's position on the first principal component, scaled to [0, 1] (the coding-panel paper).

    The axis is fitted on all the utterances given; min-max scaling puts the extremes at 0
    and 1. Which end is 0 is PCA's sign convention, not a stance: read it against the texts.
    Identical utterances all sit at 0.5.
    """
    points = np.asarray(embeddings, dtype=np.float64)
    if points.ndim != 2 or points.shape[0] < 2:
        raise ValueError("the opinion axis needs a 2-D array of at least two utterances")
    if np.allclose(points, points[0]):
        return np.full(points.shape[0], 0.5)
    from sklearn.decomposition import PCA  # 0.45 s to import, for sessions with embeddings alone

    projected = PCA(n_components=1).fit_transform(points)[:, 0]
    low, high = projected.min(), projected.max()
    return np.asarray((projected - low) / (high - low), dtype=np.float64)


def _unit_rows(vectors: NDArray[np.float64]) -> NDArray[np.float64]:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(vectors / norms, dtype=np.float64)
