"""A sweep file (TOML) and the runs it expands to: every combination of the grid, times every seed.

::

    base = "relay-local"           # a preset, or a session TOML (relative to this file)
    seeds = { range = [0, 5] }     # or a list; the session seed of each run
    concurrency = 4                # sessions at once

    [grid]                         # dotted paths into the session config
    "options.seed_sentence" = { range = [0, 50] }
    "agents.*.params.temperature" = [0.7, 1.0]       # '*': every agent; a number: one agent
    "interventions.0.at_turn" = [0, 5, 10]           # the first [[interventions]] entry's turn
    brief = { items = "comments.csv", field = "text", id = "comment_id" }

A run is named by its point: the grid values (items by their id or row number) and the
seed, as canonical JSON. That key is what makes a sweep resumable.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from convscope.core.config import SessionConfig
from convscope.core.config_files import (
    first_validation_error,
    load_config,
    parse_toml,
    read_text_file,
    validate_config,
)
from convscope.core.errors import ConfigError
from convscope.core.preflight import check_models
from convscope.sweep.items import read_items

Scalar = str | int | float | bool


class Range(BaseModel):
    """``{ range = [start, stop] }`` or ``[start, stop, step]``: Python's range."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    range: tuple[int, int] | tuple[int, int, int]

    def values(self) -> list[int]:
        return list(range(*self.range))


class Items(BaseModel):
    """``{ items = "file.csv", field = "text", id = "comment_id" }``: one value per row."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    items: str
    field: str = "text"
    id: str | None = None


Axis = list[Scalar] | Range | Items


class SweepSpec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    base: str
    seeds: list[int] | Range = Field(default_factory=lambda: [0])
    concurrency: int = Field(default=4, ge=1, le=1024)
    grid: dict[str, Axis] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _axes_are_not_empty(self) -> SweepSpec:
        empty = [key for key, axis in self.grid.items() if isinstance(axis, list) and not axis]
        if empty:
            raise ValueError(f"grid axis {empty[0]!r} has no values")
        return self


@dataclass(frozen=True)
class Run:
    """One session of the sweep: its point (grid labels and seed) and its config."""

    point: dict[str, Scalar]
    config: SessionConfig

    @property
    def key(self) -> str:
        return json.dumps(self.point, sort_keys=True, ensure_ascii=False)


@dataclass(frozen=True)
class Sweep:
    name: str
    spec: SweepSpec
    runs: list[Run]


def load_sweep(path: Path) -> Sweep:
    """Read and expand a sweep file; every problem is one ConfigError line."""
    data = parse_toml(read_text_file(path), str(path))
    try:
        spec = SweepSpec.model_validate(data)
    except ValidationError as error:
        raise ConfigError(f"{path}: {first_validation_error(error, 'sweep')}") from None
    folder = path.parent
    base_ref = spec.base if not spec.base.endswith(".toml") else str(folder / spec.base)
    base = load_config(base_ref)
    try:
        runs = expand(spec, base, folder)
        check_runs(runs)
    except ValueError as error:
        raise ConfigError(f"{path}: {error}") from None
    return Sweep(spec.name or path.stem, spec, runs)


def check_runs(runs: list[Run]) -> None:
    """Refuse now what would fail every session later: a protocol's options, or a model a run
    calls (an agent, a network's judge) with a bad provider spec or missing key."""
    for run in runs:
        try:
            check_models(run.config)
        except ValueError as error:
            labels = ", ".join(f"{key}={value}" for key, value in run.point.items())
            raise ValueError(f"sweep point {labels}: {error}") from None


def expand(spec: SweepSpec, base: SessionConfig, folder: Path) -> list[Run]:
    """Every grid point times every seed, each a validated session config."""
    axes = [(key, _axis_values(axis, folder)) for key, axis in spec.grid.items()]
    seeds = spec.seeds.values() if isinstance(spec.seeds, Range) else spec.seeds
    runs = []
    for combination in itertools.product(*(values for _, values in axes)):
        for seed in seeds:
            data = base.model_dump(mode="json")
            point: dict[str, Scalar] = {}
            for (key, _), (label, value) in zip(axes, combination, strict=True):
                _assign(data, key.split("."), value, key)
                point[key] = label
            data["seed"] = point["seed"] = seed
            labels = ", ".join(f"{key}={value}" for key, value in point.items())
            data["title"] = f"{base.title} [{labels}]"
            runs.append(Run(point, validate_config(data, f"sweep point {labels}")))
    return runs


def _axis_values(axis: Axis, folder: Path) -> list[tuple[Scalar, Scalar]]:
    """(label, value) pairs of one grid axis."""
    if isinstance(axis, Range):
        return [(value, value) for value in axis.values()]
    if isinstance(axis, Items):
        return [(label, text) for label, text in read_items(folder / axis.items, axis.field, axis.id)]
    return [(value, value) for value in axis]


def _assign(data: Any, path: list[str], value: Scalar, key: str) -> None:
    """Set ``value`` at a dotted path; '*' walks every element of a list, a number one of them."""
    head, rest = path[0], path[1:]
    if isinstance(data, list):
        if head == "*":
            targets = list(range(len(data)))
        elif head.isdigit() and int(head) < len(data):
            targets = [int(head)]
        else:
            raise ValueError(f"grid key {key!r}: {head!r} is not '*' or an index below {len(data)}")
        for index in targets:
            if rest:
                _assign(data[index], rest, value, key)
            else:
                data[index] = value
        return
    if not isinstance(data, dict):
        raise ValueError(f"grid key {key!r}: cannot go into {head!r}")
    if rest:
        data.setdefault(head, {})
        _assign(data[head], rest, value, key)
    else:
        data[head] = value
