"""Consensus measures of the opinion network (the opinion-network paper), as fixed in REFERENCE.md.

Scores come as a (rounds, agents) array in [0, 1], NaN where a score is missing (a failed
turn, an unreadable answer); every measure skips missing scores. The combination matrix
follows :mod:`convscope.core.graphs`: left-stochastic, x_t = A.T @ x_{t-1}.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convscope.core.graphs import halving_rounds, halving_time, perron_vector, second_eigenvalue_modulus

OpinionClass = Literal["against", "neutral", "for"]

# Equal thirds of [0, 1]; the judge's -1 and +1 (1/3 and 2/3) land on the boundaries and
# count as neutral, so only a clear lean (|s| >= 2, or an average beyond a third) is a side.
AGAINST_BELOW = 1 / 3
FOR_ABOVE = 2 / 3
FINAL_ROUNDS = 10  # the opinion-network paper averages each agent's last 10 rounds to damp scorer noise
TAIL_ROUNDS = (10, 40)  # REFERENCE.md: the window where the slowest mode dominates
_NOISE_FLOOR = 1e-10  # STD below this share of STD(0) is rounding noise, not signal


@dataclass(frozen=True)
class DecayFit:
    """STD(t) = a·exp(-b·t) + c fitted by least squares, with its coefficient of determination."""

    a: float
    b: float
    c: float
    r_squared: float


@dataclass(frozen=True)
class ConsensusReport:
    """Everything the opinion-network paper reports for one run, next to what the theory predicts."""

    lambda2: float
    halving_theory: float
    halving_first_half: int | None  # way (a): first round with STD <= STD(0) / 2
    tail_rate: float | None  # r fitted log-linearly over the tail
    halving_tail: float | None  # way (b): ln 2 / (-ln r)
    decay: DecayFit | None
    forecast: float
    final_std: float
    rmse: float
    accuracy: float


def disagreement(scores: ArrayLike) -> NDArray[np.float64]:
    """Population STD (ddof 0) of the agents' scores, per round (last axis = agents)."""
    values = np.asarray(scores, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # a round with no score at all is NaN
        return np.asarray(np.nanstd(values, axis=-1), dtype=np.float64)


def fit_decay(std: ArrayLike) -> DecayFit | None:
    """Fit STD(t) = a·exp(-b·t) + c (t = 0, 1, ...) with scipy's curve_fit; None if it fails.

    a, b, c are kept non-negative (a shrinking spread above a floor). R² is NaN for a
    constant series, where it is undefined.
    """
    y = np.asarray(std, dtype=np.float64)
    t = np.arange(y.size, dtype=np.float64)
    keep = np.isfinite(y)
    t, y = t[keep], y[keep]
    if y.size < 4:
        return None

    def model(t: NDArray[np.float64], a: float, b: float, c: float) -> NDArray[np.float64]:
        return a * np.exp(-b * t) + c

    from scipy.optimize import curve_fit  # 0.4 s to import: every command but this fit goes without

    start = (max(y[0] - y[-1], 1e-6), 1.0 / max(1.0, t[-1] / 4), max(y[-1], 0.0))
    try:
        (a, b, c), _ = curve_fit(model, t, y, p0=start, bounds=(0.0, np.inf), maxfev=20_000)
    except (RuntimeError, ValueError):
        return None
    residual = float(np.sum((y - model(t, a, b, c)) ** 2))
    total = float(np.sum((y - y.mean()) ** 2))
    r_squared = 1.0 - residual / total if total > 0 else math.nan
    return DecayFit(float(a), float(b), float(c), r_squared)


def halving_round(std: ArrayLike) -> int | None:
    """Way (a), the paper's: the first round t with STD(t) <= STD(0) / 2; None if it never comes.

    Shorter than the theory when opinions start spread over many modes: the fast modes die
    first, so the early STD drops faster than |λ2| alone would make it.
    """
    y = np.asarray(std, dtype=np.float64)
    if y.size == 0 or not np.isfinite(y[0]):
        return None
    below = np.flatnonzero(y <= y[0] / 2)
    return int(below[0]) if below.size else None


def tail_decay_rate(std: ArrayLike, tail: tuple[int, int] = TAIL_ROUNDS) -> float | None:
    """Way (b)'s per-round rate r: exp of the slope of log STD over rounds tail[0]..tail[1].

    Rounds past the end of the run are ignored, and so is an STD at rounding-noise level
    (exact consensus); fewer than 3 usable rounds give None. With LLM agents the STD settles
    on a floor (the opinion-network paper: about 0.1), so choose a window that ends before the plateau.
    """
    y = np.asarray(std, dtype=np.float64)
    first, last = tail
    t = np.arange(y.size)
    usable = (t >= first) & (t <= last) & np.isfinite(y) & (y > _NOISE_FLOOR * np.nanmax(y, initial=0.0))
    if np.count_nonzero(usable) < 3:
        return None
    slope = np.polyfit(t[usable], np.log(y[usable]), 1)[0]
    return float(np.exp(slope))


def degroot_simulate(A: ArrayLike, x0: ArrayLike, rounds: int) -> NDArray[np.float64]:
    """Exact DeGroot updates x_t = A.T @ x_{t-1}; shape (rounds + 1, agents), row 0 = x0."""
    matrix = np.asarray(A, dtype=np.float64)
    history = np.empty((rounds + 1, matrix.shape[0]))
    history[0] = np.asarray(x0, dtype=np.float64)
    for t in range(1, rounds + 1):
        history[t] = matrix.T @ history[t - 1]
    return history


def degroot_forecast(A: ArrayLike, x0: ArrayLike) -> float:
    """The consensus DeGroot predicts: πᵀx0, π the Perron vector of A (the opinion-network paper, eq. 3)."""
    return float(perron_vector(A) @ np.asarray(x0, dtype=np.float64))


def final_opinions(scores: ArrayLike, last: int = FINAL_ROUNDS) -> NDArray[np.float64]:
    """Each agent's mean score over the last ``last`` rounds (the opinion-network paper's final opinion)."""
    values = np.asarray(scores, dtype=np.float64)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(values[-last:], axis=0), dtype=np.float64)


def forecast_rmse(final: ArrayLike, forecast: float) -> float:
    """Root mean squared error of the agents' final opinions against the forecast."""
    values = np.asarray(final, dtype=np.float64)
    values = values[np.isfinite(values)]
    return float(np.sqrt(np.mean((values - forecast) ** 2))) if values.size else math.nan


def opinion_class(score: float) -> OpinionClass:
    """against below 1/3, for above 2/3, neutral in between (boundaries included)."""
    if score < AGAINST_BELOW:
        return "against"
    if score > FOR_ABOVE:
        return "for"
    return "neutral"


def class_accuracy(final: ArrayLike, forecast: float) -> float:
    """Share of agents whose final opinion falls in the forecast's class (chance: about 1/3)."""
    values = np.asarray(final, dtype=np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return math.nan
    expected = opinion_class(forecast)
    return float(np.mean([opinion_class(float(value)) == expected for value in values]))


def consensus_report(
    A: ArrayLike, initial: ArrayLike, scores: ArrayLike, tail: tuple[int, int] = TAIL_ROUNDS
) -> ConsensusReport:
    """Theory (|λ2|, halving time, πᵀx0) against a run's scores, both halving times included.

    ``initial`` is the stance each agent was given (for 1, neutral 0.5, against 0), the x0
    of the forecast; ``scores`` is (rounds, agents) as scored.
    """
    std = disagreement(scores)
    final = final_opinions(scores)
    forecast = degroot_forecast(A, initial)
    rate = tail_decay_rate(std, tail)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        final_std = float(np.nanstd(final))
    return ConsensusReport(
        lambda2=second_eigenvalue_modulus(A),
        halving_theory=halving_time(A),
        halving_first_half=halving_round(std),
        tail_rate=rate,
        halving_tail=None if rate is None else halving_rounds(rate),
        decay=fit_decay(std),
        forecast=forecast,
        final_std=final_std,
        rmse=forecast_rmse(final, forecast),
        accuracy=class_accuracy(final, forecast),
    )
