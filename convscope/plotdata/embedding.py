"""Charts in embedding space: who echoes whom (the influence matrix of the coding-panel paper) and where
every utterance sits (a 2-D projection coloured by agent, shaded by round).

The caller embeds; these functions only arrange. The projection is UMAP when the
``umap-learn`` package is installed and there are enough utterances for its neighbourhood
graph, PCA otherwise (and always says which).
"""

from __future__ import annotations

import importlib.util
import math
from collections.abc import Mapping, Sequence

import numpy as np
from numpy.typing import NDArray

from convscope.core.metrics.semantic import influence_matrix
from convscope.core.records import Turn
from convscope.plotdata.model import Heatmap, Scatter

UMAP_MIN_POINTS = 16  # below this UMAP's 15-neighbour graph is degenerate


def influence_heatmap(
    turns: Sequence[Turn], vectors: NDArray[np.float32], names: Mapping[str, str]
) -> Heatmap | None:
    """M[target, source] = mean over rounds of cos(target at t, source at t−1); each agent's
    last output of a round stands for it. None with fewer than two rounds."""
    agents = list(names)
    rounds = sorted({turn.round for turn in turns})
    if len(rounds) < 2 or not agents:
        return None
    grid = np.full((len(rounds), len(agents), vectors.shape[1]), np.nan)
    row_of = {r: i for i, r in enumerate(rounds)}
    column_of = {agent: i for i, agent in enumerate(agents)}
    for turn, vector in zip(turns, vectors, strict=True):
        if turn.agent_id in column_of:
            grid[row_of[turn.round], column_of[turn.agent_id]] = vector
    matrix = influence_matrix(grid)
    values = [[None if math.isnan(v) else float(v) for v in row] for row in matrix]
    labels = [names[agent] for agent in agents]
    return Heatmap(
        "influence", "Influence: cos(target at t, source at t−1), mean over rounds", labels, labels, values,
        "source (round t−1)", "target (round t)", note="diagonal: each agent's consistency with itself",
    )  # fmt: skip


def _project(vectors: NDArray[np.float32]) -> tuple[NDArray[np.float64], str]:
    if importlib.util.find_spec("umap") is not None and len(vectors) >= UMAP_MIN_POINTS:
        import umap

        reducer = umap.UMAP(n_components=2, random_state=0, metric="cosine", n_jobs=1)
        return np.asarray(reducer.fit_transform(vectors), dtype=np.float64), "UMAP"
    from sklearn.decomposition import PCA  # 0.45 s to import: the TUI and reports without embeddings skip it

    components = min(2, len(vectors), vectors.shape[1])
    projected = PCA(n_components=components).fit_transform(np.asarray(vectors, dtype=np.float64))
    if components < 2:
        projected = np.column_stack([projected, np.zeros(len(projected))])
    return np.asarray(projected, dtype=np.float64), "PCA"


def projection_scatter(
    turns: Sequence[Turn], vectors: NDArray[np.float32], names: Mapping[str, str]
) -> Scatter | None:
    """Every utterance in two dimensions; None with fewer than three utterances."""
    if len(turns) < 3:
        return None
    rank = {agent: position for position, agent in enumerate(names)}
    order = sorted(range(len(turns)), key=lambda i: (rank.get(turns[i].agent_id, len(rank)), turns[i].index))
    turns, vectors = [turns[i] for i in order], vectors[order]  # legend and colours in agent order
    points, method = _project(vectors)
    return Scatter(
        "projection", f"Utterances in embedding space ({method})",
        [float(x) for x in points[:, 0]], [float(y) for y in points[:, 1]],
        [names.get(turn.agent_id, turn.agent_id) for turn in turns], [turn.round for turn in turns],
        f"{method} 1", f"{method} 2", note="colour: agent; lighter: earlier round",
    )  # fmt: skip
