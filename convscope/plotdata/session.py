"""One session's charts from its metric points: metrics over rounds, loop distances against
their thresholds, opinion spread against DeGroot's prediction, behaviour profiles.

Every function takes the metric snapshots (``convscope.plotdata.points``) and returns chart data;
a chart with nothing measured comes back ``empty`` (or None where the measure does not
apply to the session at all), so each front end decides how to say "no data".
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Mapping, Sequence

from convscope.core.metrics import catalogue as m
from convscope.core.metrics.behaviour import TRAITS
from convscope.core.metrics.loops import DISTANCES
from convscope.core.metrics.opinion_dynamics import fit_decay, halving_round
from convscope.core.snapshot import Snapshot
from convscope.plotdata.model import BarChart, BarSeries, LineChart, Marker, Series, SeriesKind
from convscope.plotdata.points import number, rounds_of, turns_of


def round_series(
    points: Sequence[Snapshot], key: str, label: str | None = None, kind: SeriesKind = "measured"
) -> Series:
    """``key`` at the end of every round that has it, labelled as the catalogue says unless ``label``."""
    rows = [(p.round, number(p.values.get(key))) for p in rounds_of(points) if key in p.values]
    return Series(label or m.label(key), [float(r) for r, _ in rows], [y for _, y in rows], kind)


def turn_series(
    points: Sequence[Snapshot], key: str, label: str | None = None, kind: SeriesKind = "measured"
) -> Series:
    """``key`` after every turn that has it (x is the turn index), labelled as :func:`round_series`."""
    rows = [(p.turn_index, number(p.values.get(key))) for p in turns_of(points) if key in p.values]
    return Series(label or m.label(key), [float(t or 0) for t, _ in rows], [y for _, y in rows], kind)


def _present(series: Series) -> bool:
    return any(y is not None for y in series.ys)


def rouge_chart(points: Sequence[Snapshot]) -> LineChart:
    series = [round_series(points, entry.key) for entry in m.ROUGE]
    return LineChart("rouge", "ROUGE F between agents, by round", "round", "F-measure", series)


def confidence_chart(points: Sequence[Snapshot], names: Mapping[str, str]) -> LineChart:
    """Each agent's mean confidence in the round, and the mean over agents."""
    series = [round_series(points, m.CONFIDENCE_AGENT.of(agent), name) for agent, name in names.items()]
    series = [s for s in series if _present(s)]
    series.append(round_series(points, m.CONFIDENCE_MEAN.key, "mean"))
    return LineChart("confidence", "Confidence (certainty − hedging) / tokens", "round", "score", series)


def behaviour_chart(points: Sequence[Snapshot]) -> LineChart:
    """Share of the round's messages with each trait flag, and profile similarity so far."""
    series = [round_series(points, entry.key) for entry in m.TRAIT_METRICS]
    series.append(round_series(points, m.BEHAVIOUR_ANY.key))
    series.append(round_series(points, m.PROFILE_SIMILARITY.key, f"{m.PROFILE_SIMILARITY.label} (so far)"))
    return LineChart("behaviour", "Behaviour flags by round (rules coder)", "round", "share", series)


def stability_chart(points: Sequence[Snapshot]) -> LineChart:
    series = [
        round_series(points, m.STABILITY_RETENTION.key, f"{m.STABILITY_RETENTION.label} vs previous round"),
        round_series(points, m.STABILITY_IDENTICAL.key, f"agents {m.STABILITY_IDENTICAL.label}"),
    ]
    return LineChart("stability", "Stability between rounds", "round", "share", series)


def distance_chart(points: Sequence[Snapshot], comparison: str = "previous") -> LineChart:
    """Loop distances turn by turn with the thresholds in force (a step line, since they can
    change mid-session) and the turn where the first loop started.

    ``comparison`` is ``previous`` (against the previous output) or ``own`` (against the
    same agent's previous output): a step converges when either comparison does.
    """
    distances = m.LOOP_DISTANCE if comparison == "previous" else m.LOOP_OWN_DISTANCE
    series: list[Series] = []
    for name in DISTANCES:
        entry = distances[name]
        measured = turn_series(points, entry.key, m.LOOP_DISTANCE[name].label)
        if _present(measured) and entry.threshold is not None:
            series += [measured, turn_series(points, entry.threshold, kind="threshold")]
    turns = turns_of(points)
    onset = number(turns[-1].values.get(m.LOOP_ONSET.key)) if turns else None
    markers = [] if onset is None else [Marker(onset, "loop starts")]
    against = "the previous output" if comparison == "previous" else "the same agent's previous output"
    return LineChart(
        f"distances-{comparison}", f"Distances from {against}", "turn", "distance", series, markers,
        note="a step converges when every distance is at or below its threshold; 3 in a row make a loop",
    )  # fmt: skip


def disagreement_chart(points: Sequence[Snapshot]) -> LineChart | None:
    """Opinion spread (population STD) by round, the fitted STD = a·exp(−b·t) + c, and, for
    an opinion network, the spread DeGroot predicts from |λ2| (halving every ln 2 / −ln |λ2|
    rounds). None when no opinion was scored."""
    measured = round_series(points, m.DISAGREEMENT.key, "STD of opinions")
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
    halving = number(rounds[-1].values.get(m.THEORY_HALVING.key)) if rounds else None
    start = measured.ys[0]
    if halving is not None and start is not None and math.isfinite(halving) and halving > 0:
        theory = [start * 2 ** (-(x - measured.xs[0]) / halving) for x in measured.xs]
        series.append(Series("DeGroot: halves every ln 2 / −ln|λ2|", measured.xs, list(theory), "theory"))
        markers.append(Marker(measured.xs[0] + halving, "theoretical halving time"))
        lambda2 = number(rounds[-1].values.get(m.THEORY_LAMBDA2.key))
        notes.append(
            f"|λ2| = {lambda2:.4f}, halving time {halving:.2f} rounds" if lambda2 is not None else ""
        )
    return LineChart(
        "disagreement", "Disagreement: STD of opinion scores", "round", "STD", series, markers,
        note="; ".join(n for n in notes if n),
    )  # fmt: skip


def profile_chart(points: Sequence[Snapshot], names: Mapping[str, str]) -> BarChart:
    """Each agent's behaviour profile: the share of its coded messages with each trait flag."""
    flags: dict[str, list[dict[str, bool]]] = defaultdict(list)
    for point in turns_of(points):
        values = point.values
        if values.get(m.BEHAVIOUR_FLAG[TRAITS[0]].key) is None:
            continue  # a failed turn, or behaviour not coded
        flags[str(values.get(m.TURN_AGENT.key))].append(
            {flag: bool(values[m.BEHAVIOUR_FLAG[flag].key]) for flag in TRAITS}
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
