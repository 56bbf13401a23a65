"""The plot data layer: what each chart shows, from hand-made metric points and vectors."""

from __future__ import annotations

import math

import numpy as np
import pytest

from convscope.core.metrics.behaviour import TRAITS
from convscope.core.records import Turn
from convscope.core.snapshot import Snapshot
from convscope.corpus.groups import group_rows
from convscope.corpus.paper import PAPER
from convscope.corpus.run import CorpusAnalysis
from convscope.corpus.sessions import AgentCounts, BehaviourCounts, SessionRow
from convscope.plotdata import BarChart, corpus_plots
from convscope.plotdata.embedding import UMAP_MIN_POINTS, influence_heatmap, projection_scatter
from convscope.plotdata.session import disagreement_chart, distance_chart, profile_chart, rouge_chart


def _turn_point(index: int, agent: str, **values: object) -> Snapshot:
    return Snapshot(index, 0, {"turn.index": index, "turn.agent_id": agent, **values})


def _turn(index: int, agent: str, round_: int) -> Turn:
    return Turn(index=index, round=round_, agent_id=agent, nickname=agent.upper(), model="m", text="t",
                started_at=0.0, ended_at=0.0)  # fmt: skip


def test_a_round_chart_draws_the_round_snapshots_only() -> None:
    points = [Snapshot(0, 0, {"rouge1": None}), Snapshot(None, 0, {"rouge1": 0.5})]
    chart = rouge_chart(points)
    assert chart.series[0].xs == [0.0] and chart.series[0].ys == [0.5]


def test_distance_chart_draws_thresholds_as_they_changed_and_marks_the_loop_onset() -> None:
    points = [
        _turn_point(
            i,
            "a",
            **{
                "loop.bleu": 0.9 - 0.2 * i,
                "loop.thresholds.bleu": 0.5 if i < 2 else 0.7,
                "loop.onset_turn": None if i < 3 else 1,
            },
        )
        for i in range(4)
    ]
    chart = distance_chart(points)
    measured, threshold = chart.series
    assert measured.ys == pytest.approx([0.9, 0.7, 0.5, 0.3])
    assert (threshold.kind, threshold.ys) == ("threshold", [0.5, 0.5, 0.7, 0.7])
    assert [(m.x, m.label) for m in chart.markers] == [(1, "loop starts")]
    assert not any(s.label.startswith("cosine") for s in chart.series)  # not measured: not drawn


def test_disagreement_chart_sets_the_fit_beside_degroots_halving_time() -> None:
    std = [0.4 * 0.5 ** (t / 3) for t in range(12)]
    theory = {"theory.halving_time": 3.0, "theory.lambda2": 2 ** (-1 / 3)}
    points = [Snapshot(None, t, {"round": t, "disagreement.std": s, **theory}) for t, s in enumerate(std)]
    chart = disagreement_chart(points)
    assert chart is not None
    kinds = {s.kind: s for s in chart.series}
    assert set(kinds) == {"measured", "fit", "theory"}
    assert kinds["theory"].ys[3] == pytest.approx(0.2)
    assert kinds["fit"].ys == pytest.approx(std, abs=1e-3)
    assert [(m.x, m.label) for m in chart.markers] == [(3.0, "STD halved"), (3.0, "theoretical halving time")]
    assert "halving time 3.00 rounds" in chart.note
    assert disagreement_chart([Snapshot(None, 0, {"round": 0})]) is None  # no opinion scores: no chart


def test_profile_chart_gives_each_agent_its_share_of_messages_per_flag_in_agent_order() -> None:
    codes = {f"behaviour.{flag}": False for flag in TRAITS}
    points = [
        _turn_point(0, "b", **{**codes, "behaviour.LEAD": True}),
        _turn_point(1, "a", **{**codes, "behaviour.ARCH": True}),
        _turn_point(2, "b", **codes),
        _turn_point(3, "a", **{f"behaviour.{flag}": None for flag in TRAITS}),  # a failed turn
    ]
    chart = profile_chart(points, {"a": "Agent-A", "b": "Agent-B"})
    assert chart.categories == list(TRAITS)
    assert [(s.label, s.values) for s in chart.series] == [
        ("Agent-A", [0.0, 0.0, 0.0, 1.0, 0.0]),
        ("Agent-B", [0.0, 0.0, 0.5, 0.0, 0.0]),
    ]


def test_influence_heatmap_is_the_mean_cosine_with_the_previous_round() -> None:
    e1, e2 = np.eye(2, dtype=np.float32)
    turns = [_turn(0, "a", 0), _turn(1, "b", 0), _turn(2, "a", 1), _turn(3, "b", 1)]
    vectors = np.stack([e1, e2, e2, e2])  # in round 1 both agents say what b said in round 0
    heatmap = influence_heatmap(turns, vectors, {"a": "A", "b": "B"})
    assert heatmap is not None
    assert heatmap.rows == heatmap.columns == ["A", "B"]
    assert heatmap.values == [
        [pytest.approx(0.0), pytest.approx(1.0)],
        [pytest.approx(0.0), pytest.approx(1.0)],
    ]
    assert influence_heatmap(turns[:2], vectors[:2], {"a": "A", "b": "B"}) is None  # one round only


def test_projection_is_two_dimensional_coloured_by_agent_in_agent_order() -> None:
    rng = np.random.default_rng(0)
    turns = [_turn(i, "b" if i % 2 else "a", i // 2) for i in range(6)]
    scatter = projection_scatter(turns, rng.standard_normal((6, 8)).astype(np.float32), {"a": "A", "b": "B"})
    assert scatter is not None
    assert scatter.groups == ["A", "A", "A", "B", "B", "B"]
    assert scatter.steps == [0, 1, 2, 0, 1, 2]
    assert len(scatter.xs) == len(scatter.ys) == 6 and all(math.isfinite(x) for x in scatter.xs)
    assert scatter.title.endswith("(PCA)")


def test_corpus_bars_carry_the_published_figure_beside_each_measured_one() -> None:
    def row(group: str, lead: int) -> SessionRow:
        agents = {
            a: AgentCounts(10, {f: (lead if f == "LEAD" and a == "x" else 1) for f in TRAITS}) for a in "xy"
        }
        behaviour = BehaviourCounts(agents, 12, 0, 0.5 + lead / 100, {"L1": 1})
        return SessionRow("s", "t", group, "warroom", 10, 0, 1, {"rouge1": 0.1, "rouge2": 0.0, "rougeL": 0.1},
                          0.0, False, None, 0.0, behaviour)  # fmt: skip

    rows = [row("A", 2), row("A", 4), row("B", 8), row("B", 9)]
    analysis = CorpusAnalysis("series", rows, group_rows(rows), paper={"A": PAPER["A"], "B": PAPER["B"]})
    similarity = corpus_plots(analysis, "t").charts[0]
    assert isinstance(similarity, BarChart)
    assert similarity.categories == ["A", "B"]
    measured, paper = similarity.series
    assert measured.values == pytest.approx([0.53, 0.585])
    assert (paper.kind, paper.values) == ("reference", [0.56, 0.85])


@pytest.mark.slow  # numba compiles UMAP on first use (half a minute of CPU)
def test_projection_uses_umap_when_it_is_installed_and_there_are_enough_utterances() -> None:
    pytest.importorskip("umap", reason="umap-learn is not installed (optional extra 'umap')")
    rng = np.random.default_rng(1)
    turns = [_turn(i, "ab"[i % 2], i // 2) for i in range(UMAP_MIN_POINTS)]
    scatter = projection_scatter(
        turns, rng.standard_normal((len(turns), 8)).astype(np.float32), {"a": "A", "b": "B"}
    )
    assert scatter is not None and scatter.title.endswith("(UMAP)")
    assert all(math.isfinite(x) and math.isfinite(y) for x, y in zip(scatter.xs, scatter.ys, strict=True))
