"""Sweep files: the grid times the seeds, paths into the config, items from CSV or JSONL."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.errors import ConfigError
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
