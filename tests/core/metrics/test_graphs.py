"""Graphs and combination matrices: orientation, reference eigenvalues, halving times."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest

from convscope.core.graphs import (
    character_self_weights,
    combination_matrix,
    complete_graph,
    draw_characters,
    erdos_renyi,
    halving_rounds,
    halving_time,
    perron_vector,
    ring_graph,
    second_eigenvalue_modulus,
)


def test_undirected_ring_of_ten_with_uniform_thirds_has_the_reference_rate() -> None:
    A = combination_matrix(ring_graph(10), 1 / 3)
    assert second_eigenvalue_modulus(A) == pytest.approx((1 + 2 * math.cos(math.radians(36))) / 3)
    assert second_eigenvalue_modulus(A) == pytest.approx(0.8727, abs=1e-4)
    assert halving_time(A) == pytest.approx(5.09, abs=0.005)


def test_directed_ring_of_ten_with_half_self_weight_has_the_reference_rate() -> None:
    A = combination_matrix(ring_graph(10, directed=True), 0.5)
    assert second_eigenvalue_modulus(A) == pytest.approx(math.cos(math.radians(18)))
    assert second_eigenvalue_modulus(A) == pytest.approx(0.9511, abs=1e-4)
    assert halving_time(A) == pytest.approx(13.81, abs=0.005)


@pytest.mark.parametrize("directed", [False, True])
def test_complete_graph_with_uniform_weights_converges_in_one_round(directed: bool) -> None:
    A = combination_matrix(complete_graph(7, directed=directed))
    np.testing.assert_allclose(A, np.full((7, 7), 1 / 7))
    assert second_eigenvalue_modulus(A) == 0.0
    assert halving_time(A) == 0.0


def test_a_column_holds_the_weights_an_agent_gives_and_sums_to_one() -> None:
    A = combination_matrix(ring_graph(5, directed=True), [0.8, 0.6, 0.8, 0.6, 0.8])
    np.testing.assert_allclose(A.sum(axis=0), 1.0)
    # agent 1 hears its predecessor 0: it keeps 0.6 and gives 0.4 to agent 0
    assert A[1, 1] == pytest.approx(0.6)
    assert A[0, 1] == pytest.approx(0.4)
    assert A[1, 0] == 0.0  # agent 0 does not hear agent 1
    assert A[4, 0] == pytest.approx(0.2)


def test_the_rest_of_the_weight_is_split_equally_over_in_neighbours() -> None:
    graph = nx.DiGraph()
    graph.add_nodes_from(range(3))
    graph.add_edges_from([(0, 2), (1, 2), (2, 0), (2, 1)] + [(node, node) for node in range(3)])
    A = combination_matrix(graph, 0.6)
    np.testing.assert_allclose(A[:, 2], [0.2, 0.2, 0.6])
    np.testing.assert_allclose(A[:, 0], [0.6, 0.0, 0.4])


def test_an_agent_hearing_nobody_keeps_all_its_weight() -> None:
    graph = nx.DiGraph([(0, 1)])
    graph.add_edges_from((node, node) for node in graph)
    A = combination_matrix(graph, 0.6)
    np.testing.assert_allclose(A, [[1.0, 0.4], [0.0, 0.6]])


def test_self_weights_must_be_one_per_agent_and_in_range() -> None:
    with pytest.raises(ValueError, match="self-weights for"):
        combination_matrix(ring_graph(4), [0.5, 0.5])
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        combination_matrix(ring_graph(2), [0.5, 1.5])


def test_every_built_graph_carries_self_loops() -> None:
    for graph in (
        ring_graph(4),
        ring_graph(4, directed=True),
        complete_graph(3),
        erdos_renyi(6, 0.5, seed=0),
    ):
        assert all(graph.has_edge(node, node) for node in graph)


def test_erdos_renyi_is_directed_reproducible_and_strongly_connected() -> None:
    graph = erdos_renyi(20, 0.2, seed=11)
    assert graph.is_directed()
    assert nx.is_strongly_connected(graph)
    assert sorted(graph.edges) == sorted(erdos_renyi(20, 0.2, seed=11).edges)
    assert sorted(graph.edges) != sorted(erdos_renyi(20, 0.2, seed=12).edges)


def test_erdos_renyi_gives_up_below_the_connectivity_threshold() -> None:
    with pytest.raises(ValueError, match="strongly connected"):
        erdos_renyi(20, 0.01, seed=0, max_tries=20)


def test_erdos_renyi_without_the_connectivity_requirement_keeps_the_first_draw() -> None:
    graph = erdos_renyi(20, 0.01, seed=0, strongly_connected=False)
    assert not nx.is_strongly_connected(graph)


def test_perron_vector_is_the_normalised_fixed_point() -> None:
    A = combination_matrix(erdos_renyi(12, 0.3, seed=3), character_self_weights(draw_characters(12, seed=3)))
    pi = perron_vector(A)
    np.testing.assert_allclose(A @ pi, pi, atol=1e-12)
    assert pi.sum() == pytest.approx(1.0)
    assert (pi > 0).all()


def test_a_disconnected_network_never_halves_its_disagreement() -> None:
    graph = nx.disjoint_union(ring_graph(3), ring_graph(3))
    A = combination_matrix(graph, 0.5)
    assert second_eigenvalue_modulus(A) == pytest.approx(1.0)
    assert halving_time(A) == math.inf


def test_halving_rounds_handles_instant_and_no_decay() -> None:
    assert halving_rounds(0.0) == 0.0
    assert halving_rounds(0.5) == pytest.approx(1.0)
    assert halving_rounds(1.0) == math.inf


def test_characters_map_to_the_papers_self_weights() -> None:
    assert character_self_weights(["self-confident", "open-minded"]) == [0.8, 0.6]
    assert character_self_weights(["self-confident"], self_confident=0.9) == [0.9]
    drawn = draw_characters(40, seed=5)
    assert drawn == draw_characters(40, seed=5)
    assert set(drawn) == {"self-confident", "open-minded"}
