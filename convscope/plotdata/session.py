"""One session's charts from its metric points: metrics over rounds, loop distances against
their thresholds, opinion spread against DeGroot's prediction, behaviour profiles.

Every function takes the points (``convscope.plotdata.points``) and returns chart data;
a chart with nothing measured comes back ``empty`` (or None where the measure does not
apply to the session at all), so each front end decides how to say "no data".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.lexical import ROUGE_TYPES
from convscope.core.metrics.loops import DISTANCES
from convscope.core.metrics.opinion_dynamics import fit_decay, halving_round
from convscope.plotdata.model import BarChart, BarSeries, LineChart, Marker, Series, SeriesKind
from convscope.plotdata.points import Point, number, rounds_of, turns_of

ROUGE_LABELS = {"rouge1": "ROUGE-1", "rouge2": "ROUGE-2", "rougeL": "ROUGE-L"}
DISTANCE_LABELS = {
    "bleu": "BLEU",
    "jaccard": "Jaccard",
    "coherence_change": "coherence change",
    "cosine": "cosine",
}


def round_series(points: Sequence[Point], key: str, label: str, kind: SeriesKind = "measured") -> Series:
    """``key`` at the end of every round that has it."""
    rows = [(p.round, number(p.values.get(key))) for p in rounds_of(points) if key in p.values]
    return Series(label, [float(r) for r, _ in rows], [y for _, y in rows], kind)


def turn_series(points: Sequence[Point], key: str, label: str, kind: SeriesKind = "measured") -> Series:
    """``key`` after every turn that has it (x is the turn index)."""
    rows = [(p.turn_index, number(p.values.get(key))) for p in turns_of(points) if key in p.values]
    return Series(label, [float(t or 0) for t, _ in rows], [y for _, y in rows], kind)


def _present(series: Series) -> bool:
    return any(y is not None for y in series.ys)


def rouge_chart(points: Sequence[Point]) -> LineChart:
    series = [round_series(points, kind, ROUGE_LABELS[kind]) for kind in ROUGE_TYPES]
    return LineChart("rouge", "ROUGE F between agents, by round", "round", "F-measure", series)


def confidence_chart(points: Sequence[Point], names: Mapping[str, str]) -> LineChart:
    """Each agent's mean confidence in the round, and the mean over agents."""
    series = [round_series(points, f"confidence.{agent}", name) for agent, name in names.items()]
    series = [s for s in series if _present(s)]
    series.append(round_series(points, "confidence.mean", "mean"))
    return LineChart("confidence", "Confidence (certainty − hedging) / tokens", "round", "score", series)


def behaviour_chart(points: Sequence[Point]) -> LineChart:
    """Share of the round's messages with each trait flag, and profile similarity so far."""
    series = [round_series(points, f"behaviour.{flag}", flag) for flag in TRAITS]
    series.append(round_series(points, "behaviour.any_share", "any trait"))
    series.append(round_series(points, "profile.similarity", "profile similarity (so far)"))
    return LineChart("behaviour", "Behaviour flags by round (rules coder)", "round", "share", series)


def stability_chart(points: Sequence[Point]) -> LineChart:
    series = [
        round_series(points, "stability.retention", "token retention vs previous round"),
        round_series(points, "stability.identical", "agents repeating themselves verbatim"),
    ]
    return LineChart("stability", "Stability between rounds", "round", "share", series)


def distance_chart(points: Sequence[Point], comparison: str = "previous") -> LineChart:
    """Loop distances turn by turn with the thresholds in force (a step line, since they can
    change mid-session) and the turn where the first loop started.

    ``comparison`` is ``previous`` (against the previous output) or ``own`` (against the
    same agent's previous output): a step converges when either comparison does.
    """
    prefix = "loop" if comparison == "previous" else "loop.own"
    series: list[Series] = []
    for name in DISTANCES:
        measured = turn_series(points, f"{prefix}.{name}", DISTANCE_LABELS[name])
        if _present(measured):
            limit = turn_series(
                points, f"loop.thresholds.{name}", f"{DISTANCE_LABELS[name]} threshold", "threshold"
            )
            series += [measured, limit]
    turns = turns_of(points)
    onset = number(turns[-1].values.get("loop.onset_turn")) if turns else None
    markers = [] if onset is None else [Marker(onset, "loop starts")]
    against = "the previous output" if comparison == "previous" else "the same agent's previous output"
    return LineChart(
        f"distances-{comparison}", f"Distances from {against}", "turn", "distance", series, markers,
        note="a step converges when every distance is at or below its threshold; 3 in a row make a loop",
    )  # fmt: skip


def disagreement_chart(points: Sequence[Point]) -> LineChart | None:
    """Opinion spread (population STD) by round, the fitted STD = a·exp(−b·t) + c, and, for
    an opinion network, the spread DeGroot predicts from |λ2| (halving every ln 2 / −ln |λ2|
    rounds). None when no opinion was scored."""
    measured = round_series(points, "disagreement.std", "STD of opinions")
    values = [y for y in measured.ys if y is not None]
    if len(values) < 2:
        return None
    series, markers, notes = [measured], [], []
    fit = fit_decay([math.nan if y is None else y for y in measured.ys])
    if fit is not None:
        curve = [fit.a * math.exp(-fit.b * x) + fit.c for x in measured.xs]
        series.append(Series("fitted a·exp(−b·t) + c", measured.xs, list(curve), "fit"))
        notes.append(f"fit: b = {fit.b:.3f}, c = {fit.c:.3f}, R² = {fit.r_squared:.3f}")
    first_half = halving_round([math.nan if y is None else y for y in measured.ys])
    if first_half is not None:
        markers.append(Marker(measured.xs[first_half], "STD halved"))
    rounds = rounds_of(points)
    halving = number(rounds[-1].values.get("theory.halving_time")) if rounds else None
    start = measured.ys[0]
    if halving is not None and start is not None and math.isfinite(halving) and halving > 0:
        theory = [start * 2 ** (-(x - measured.xs[0]) / halving) for x in measured.xs]
        series.append(Series("DeGroot: halves every ln 2 / −ln|λ2|", measured.xs, list(theory), "theory"))
        markers.append(Marker(measured.xs[0] + halving, "theoretical halving time"))
        lambda2 = number(rounds[-1].values.get("theory.lambda2"))
        notes.append(
            f"|λ2| = {lambda2:.4f}, halving time {halving:.2f} rounds" if lambda2 is not None else ""
        )
    return LineChart(
        "disagreement", "Disagreement: STD of opinion scores", "round", "STD", series, markers,
        note="; ".join(n for n in notes if n),
    )  # fmt: skip


def profile_chart(points: Sequence[Point], names: Mapping[str, str]) -> BarChart:
    """Each agent's behaviour profile: the share of its coded messages with each trait flag."""
    flags: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for point in turns_of(points):
        values = point.values
        if values.get("behaviour.PHATIC") is None:
            continue  # a failed turn, or behaviour not coded
        flags[str(values.get("turn.agent_id"))].append(
            {flag: bool(values[f"behaviour.{flag}"]) for flag in TRAITS}
        )
    order = [agent for agent in names if agent in flags] + [agent for agent in flags if agent not in names]
    series = [
        BarSeries(
            names.get(agent, agent),
            [sum(c[flag] for c in flags[agent]) / len(flags[agent]) for flag in TRAITS],
        )
        for agent in order
    ]
    return BarChart("profiles", "Behaviour profile per agent (rules coder)", list(TRAITS), series, "share")
