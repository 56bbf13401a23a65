"""Sweep files: the grid times the seeds, paths into the config, items from CSV or JSONL."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from rich.console import Console

from convscope.core.errors import ConfigError
from convscope.core.interventions import Fail
from convscope.sweep.folder import SweepFolder
from convscope.sweep.run import run_sweep
from convscope.sweep.spec import load_sweep

BASE = """
title = "relay"
protocol = "relay"
rounds = 4
brief = "Seed."

[[agents]]
id = "a"
nickname = "A"
provider = "scripted:echo"

[[agents]]
id = "b"
nickname = "B"
provider = "scripted:echo"
"""


def sweep_file(folder: Path, body: str) -> Path:
    (folder / "base.toml").write_text(BASE, encoding="utf-8")
    path = folder / "grid.toml"
    path.write_text('base = "base.toml"\n' + body, encoding="utf-8")
    return path


def test_every_combination_of_the_grid_runs_once_per_seed(tmp_path: Path) -> None:
    sweep = load_sweep(
        sweep_file(
            tmp_path,
            'seeds = { range = [0, 3] }\n[grid]\nrounds = [2, 5]\n"options.seed_sentence" = [0, 9]\n',
        )
    )
    points = [run.point for run in sweep.runs]
    assert len(points) == 12 and len({run.key for run in sweep.runs}) == 12
    assert points[0] == {"rounds": 2, "options.seed_sentence": 0, "seed": 0}
    assert {(r.config.rounds, r.config.options["seed_sentence"], r.config.seed) for r in sweep.runs} == {
        (rounds, sentence, seed) for rounds in (2, 5) for sentence in (0, 9) for seed in range(3)
    }
    assert sweep.name == "grid"


def test_a_star_sets_every_agent_and_a_number_one_agent(tmp_path: Path) -> None:
    sweep = load_sweep(
        sweep_file(
            tmp_path,
            '[grid]\n"agents.*.params.temperature" = [0.3]\n"agents.1.provider" = ["scripted:text:hi"]\n',
        )
    )
    (run,) = sweep.runs
    assert [agent.params.temperature for agent in run.config.agents] == [0.3, 0.3]
    assert [agent.provider for agent in run.config.agents] == ["scripted:echo", "scripted:text:hi"]


@pytest.mark.parametrize("kind", ["csv", "jsonl"])
def test_items_from_a_file_become_briefs_labelled_by_their_id(tmp_path: Path, kind: str) -> None:
    if kind == "csv":
        (tmp_path / "items.csv").write_text(
            'id,text\nc1,"First, with a comma."\nc2,Second.\n', encoding="utf-8"
        )
    else:
        (tmp_path / "items.jsonl").write_text(
            '{"id": "c1", "text": "First, with a comma."}\n\n{"id": "c2", "text": "Second."}\n',
            encoding="utf-8",
        )
    sweep = load_sweep(sweep_file(tmp_path, f'[grid]\nbrief = {{ items = "items.{kind}", id = "id" }}\n'))
    assert [(run.point["brief"], run.config.brief) for run in sweep.runs] == [
        ("c1", "First, with a comma."),
        ("c2", "Second."),
    ]


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[grid]\n"agents.7.provider" = ["scripted:echo"]\n', "index below 2"),
        ("[grid]\nrounds = []\n", "no values"),
        ("[grid]\nrounds = [0]\n", "rounds"),
        ('[grid]\nbrief = { items = "missing.csv" }\n', "cannot read items"),
        ("concurrency = 0\n", "concurrency"),
        ('[grid]\n"agents.0.provider" = ["openai:gpt-4o-mini"]\n', "OPENAI_API_KEY is not set"),
        (
            '[grid]\n"options.seed_sentence" = [49, 50]\n',
            "seed_sentence=50, seed=0: options.seed_sentence must be below 50",
        ),
    ],
)
def test_a_bad_sweep_file_is_one_line_naming_the_problem(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str, message: str
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    with pytest.raises(ConfigError, match=message):
        load_sweep(sweep_file(tmp_path, body))


SCHEDULED_FAILURE = """
[[interventions]]
at_turn = 2
fail = { agent = "b", mode = "decommissioned" }
"""


def test_a_grid_varies_the_turn_at_which_a_scheduled_failure_strikes(tmp_path: Path) -> None:
    path = sweep_file(
        tmp_path, '[grid]\n"interventions.0.at_turn" = [1, 3]\n"interventions.0.fail.mode" = ["silent"]\n'
    )
    (tmp_path / "base.toml").write_text(BASE + SCHEDULED_FAILURE, encoding="utf-8")

    sweep = load_sweep(path)

    assert [run.point for run in sweep.runs] == [
        {"interventions.0.at_turn": 1, "interventions.0.fail.mode": "silent", "seed": 0},
        {"interventions.0.at_turn": 3, "interventions.0.fail.mode": "silent", "seed": 0},
    ]
    assert [
        (run.config.interventions[0].at_turn, run.config.interventions[0].action) for run in sweep.runs
    ] == [
        (1, Fail(agent="b", mode="silent")),
        (3, Fail(agent="b", mode="silent")),
    ]


def test_sweep_runs_apply_each_points_intervention_at_its_turn(tmp_path: Path) -> None:
    path = sweep_file(tmp_path, '[grid]\n"interventions.0.at_turn" = [1, 3]\n')
    (tmp_path / "base.toml").write_text(BASE + SCHEDULED_FAILURE, encoding="utf-8")
    sweep = load_sweep(path)

    run_sweep(sweep, tmp_path / "out", console=Console(file=io.StringIO()))

    folder = SweepFolder(tmp_path / "out")
    failed = []
    for run in sweep.runs:
        document = folder.sessions.load(folder.ledger[run.key])
        failed.append([turn.index for turn in document.turns if turn.failed])
    assert failed == [[1, 3], [3]]


@pytest.mark.parametrize(
    ("grid", "message"),
    [
        ('"interventions.0.at_round" = [2]', "give exactly one of at_turn or at_round"),
        ('"interventions.0.fail.agent" = ["z"]', "unknown agent 'z'"),
        ('"interventions.1.at_turn" = [2]', "index below 1"),
    ],
)
def test_a_grid_point_whose_intervention_cannot_apply_is_one_line(
    tmp_path: Path, grid: str, message: str
) -> None:
    path = sweep_file(tmp_path, f"[grid]\n{grid}\n")
    (tmp_path / "base.toml").write_text(BASE + SCHEDULED_FAILURE, encoding="utf-8")

    with pytest.raises(ConfigError, match=message):
        load_sweep(path)
