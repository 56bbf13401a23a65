"""Communication graphs of the opinion-network paper and their DeGroot combination matrices.

Orientation, fixed once for the whole project: a directed edge ``u -> v`` means that ``v``
hears ``u`` (``u`` is an in-neighbour of ``v``). The combination matrix is left-stochastic,
``A[l, k]`` = the weight agent ``k`` gives to agent ``l``'s previous opinion, so each
*column* sums to 1 and the DeGroot update is ``x_t = A.T @ x_{t-1}`` (the opinion-network paper, eq. 1-2:
mu_k,i = sum_l a_lk mu_l,i-1). Every graph carries self-loops: an agent always hears
itself. Matrix rows and columns follow ``list(graph.nodes)``, which is ``0..K-1`` for the
graphs built here.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convscope.core.errors import ConfigError

if TYPE_CHECKING:  # networkx takes 0.1 s to import; the spectral helpers below go without it
    import networkx as nx

Character = Literal["self-confident", "open-minded"]
CHARACTER_SELF_WEIGHTS: dict[Character, float] = {"self-confident": 0.8, "open-minded": 0.6}
ZERO_EIGENVALUE = 1e-12
MAX_RESAMPLES = 1000


def erdos_renyi(
    k: int, p: float, *, seed: int, strongly_connected: bool = True, max_tries: int = MAX_RESAMPLES
) -> nx.DiGraph:
    """A directed G(K, p) (each ordered pair an edge with probability p), plus self-loops.

    With ``strongly_connected`` the graph is resampled, from one seeded stream, until every
    agent can reach every other (DeGroot consensus needs it); after ``max_tries`` it gives
    up rather than loop forever on a p far below the threshold ln(K)/K.
    """
    import networkx as nx

    rng = random.Random(seed)
    for _ in range(max_tries):
        graph = nx.gnp_random_graph(k, p, seed=rng, directed=True)
        if not strongly_connected or nx.is_strongly_connected(graph):
            _add_self_loops(graph)
            return graph
    raise ConfigError(
        f"no strongly connected G({k}, {p}) in {max_tries} draws; "
        f"use p above the connectivity threshold ln(K)/K = {math.log(k) / k:.3f}"
    )


def complete_graph(k: int, *, directed: bool = False) -> nx.Graph:
    """Everyone hears everyone, with self-loops."""
    import networkx as nx

    graph = nx.complete_graph(k, create_using=nx.DiGraph if directed else nx.Graph)
    _add_self_loops(graph)
    return graph


def ring_graph(k: int, *, directed: bool = False) -> nx.Graph:
    """A circle; directed, agent ``i + 1`` hears only its predecessor ``i``."""
    import networkx as nx

    graph = nx.cycle_graph(k, create_using=nx.DiGraph if directed else nx.Graph)
    _add_self_loops(graph)
    return graph


def in_neighbours(graph: nx.Graph, node: object) -> list[object]:
    """The agents ``node`` hears, itself excluded."""
    heard = graph.predecessors(node) if graph.is_directed() else graph.neighbors(node)
    return [other for other in heard if other != node]


def combination_matrix(
    graph: nx.Graph, self_weights: float | Sequence[float] | None = None
) -> NDArray[np.float64]:
    """The left-stochastic matrix A: column k holds the weights agent k gives (see module doc).

    Agent k keeps ``self_weights[k]`` for itself and splits the rest equally over its
    in-neighbours; ``None`` weighs itself and every in-neighbour equally (1 / (1 + in-degree)).
    An agent that hears nobody keeps all the weight.
    """
    nodes = list(graph.nodes)
    index = {node: i for i, node in enumerate(nodes)}
    weights = _self_weight_list(graph, nodes, self_weights)
    matrix = np.zeros((len(nodes), len(nodes)))
    for k, node in enumerate(nodes):
        heard = in_neighbours(graph, node)
        matrix[k, k] = weights[k] if heard else 1.0
        for other in heard:
            matrix[index[other], k] = (1.0 - weights[k]) / len(heard)
    return matrix


def second_eigenvalue_modulus(A: ArrayLike) -> float:
    """|λ2|, the second-largest eigenvalue modulus, which sets the consensus speed.

    Rounding noise is snapped away: below 1e-12 is 0 (a rank-one matrix, one-round
    consensus), within 1e-12 of 1 is 1 (a network that never agrees).
    """
    moduli = np.sort(np.abs(np.linalg.eigvals(np.asarray(A, dtype=np.float64))))[::-1]
    if moduli.size < 2 or moduli[1] < ZERO_EIGENVALUE:
        return 0.0
    if moduli[1] > 1.0 - ZERO_EIGENVALUE:
        return 1.0
    return float(moduli[1])


def halving_rounds(rate: float) -> float:
    """Rounds for a quantity shrinking by ``rate`` per round to halve: ln 2 / (-ln rate).

    0 for a rate of 0 (gone in one step), infinity for a rate of 1 or more (never halves).
    """
    if rate <= 0.0:
        return 0.0
    if rate >= 1.0:
        return math.inf
    return math.log(2.0) / -math.log(rate)


def halving_time(A: ArrayLike) -> float:
    """The theoretical halving time of disagreement: ln 2 / (-ln |λ2|) (the opinion-network paper, eq. 7)."""
    return halving_rounds(second_eigenvalue_modulus(A))


def perron_vector(A: ArrayLike) -> NDArray[np.float64]:
    """π with Aπ = π and Σπ = 1: each agent's centrality, the weights of the DeGroot consensus."""
    matrix = np.asarray(A, dtype=np.float64)
    values, vectors = np.linalg.eig(matrix)
    vector = np.real(vectors[:, int(np.argmin(np.abs(values - 1.0)))])
    return np.asarray(vector / vector.sum(), dtype=np.float64)


def draw_characters(k: int, *, seed: int) -> list[Character]:
    """Characters drawn uniformly, as in the opinion-network paper's experiments."""
    rng = random.Random(seed)
    return [rng.choice(("self-confident", "open-minded")) for _ in range(k)]


def character_self_weights(
    characters: Sequence[Character],
    *,
    self_confident: float = CHARACTER_SELF_WEIGHTS["self-confident"],
    open_minded: float = CHARACTER_SELF_WEIGHTS["open-minded"],
) -> list[float]:
    """Self-weights for characters; the paper's variant varies ``self_confident`` in 0.65-0.9."""
    weight = {"self-confident": self_confident, "open-minded": open_minded}
    return [weight[character] for character in characters]


def _self_weight_list(
    graph: nx.Graph, nodes: list[object], self_weights: float | Sequence[float] | None
) -> list[float]:
    if self_weights is None:
        return [1.0 / (1 + len(in_neighbours(graph, node))) for node in nodes]
    weights = (
        [float(self_weights)] * len(nodes) if isinstance(self_weights, int | float) else list(self_weights)
    )
    if len(weights) != len(nodes):
        raise ConfigError(f"{len(weights)} self-weights for {len(nodes)} agents")
    if any(not 0.0 <= weight <= 1.0 for weight in weights):
        raise ConfigError("self-weights must lie in [0, 1]")
    return weights


def _add_self_loops(graph: nx.Graph) -> None:
    graph.add_edges_from((node, node) for node in list(graph.nodes))
