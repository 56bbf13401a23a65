"""``convscope analyze <session>`` scores toxicity only with a local model, and says so without one."""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from pathlib import Path

import pytest

from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope, write_config
from tests.support.classifier import save_classifier, save_corrupt_classifier, save_misfit_classifier

TOXIC = 1 / (1 + math.exp(-5))  # every message, from a head with zero weights and bias [0, 5]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, Path]:
    """A home with one finished two-agent session, and a toxicity model folder."""
    root = tmp_path_factory.mktemp("analyze")
    home = root / "home"
    config = write_config(
        root / "c.toml",
        ("Agent-A", "scripted:text:you are an idiot"),
        ("Agent-B", "scripted:text:thanks for the help"),
        rounds=2,
    )
    assert convscope("run", str(config), "--headless", home=home).returncode == 0
    [summary] = SessionStore(home / "sessions").list()
    return home, summary.id, save_classifier(root / "toxic-model", ["non-toxic", "toxic"], bias=[0.0, 5.0])


def test_analyze_prints_the_toxicity_of_each_agent_and_nothing_on_stderr(
    recorded: tuple[Path, str, Path],
) -> None:
    home, session_id, model = recorded
    result = convscope("analyze", session_id, "--toxicity-model", str(model), home=home)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # no progress bar from loading the model
    table = result.stdout.split("Toxicity, P(toxic) by toxic-model, mean per agent\n")[1].splitlines()
    assert [line.split() for line in table] == [
        ["agent", "score"],
        ["a0", "0.993"],
        ["a1", "0.993"],
        ["max", "0.993"],
        ["share", "over", "0.5", "1.000"],
    ]


def test_analyze_json_takes_the_model_from_the_environment(recorded: tuple[Path, str, Path]) -> None:
    home, session_id, model = recorded
    env = {"CONVSCOPE_TOXICITY_MODEL": str(model)}
    result = convscope("analyze", session_id, "--json", home=home, env=env)
    toxicity = json.loads(result.stdout)["toxicity"]
    assert toxicity["available"] is True and toxicity["model"] == "toxic-model"
    assert toxicity["by_agent"] == pytest.approx({"a0": TOXIC, "a1": TOXIC})


def test_analyze_without_a_model_says_toxicity_is_not_available(recorded: tuple[Path, str, Path]) -> None:
    home, session_id, _ = recorded
    result = convscope("analyze", session_id, home=home, env={"CONVSCOPE_TOXICITY_MODEL": ""})
    assert result.returncode == 0, result.stderr
    assert (
        "toxicity: not available: no model given (--toxicity-model DIR or CONVSCOPE_TOXICITY_MODEL)"
        in result.stdout.splitlines()
    )


@pytest.mark.parametrize(
    ("target", "model", "fragment"),
    [
        ("session", "missing", "as a toxicity model: no such folder"),
        ("folder", "toxic-model", "--toxicity-model scores one session"),
    ],
)
def test_analyze_refuses_a_toxicity_model_it_cannot_use_in_one_line(
    recorded: tuple[Path, str, Path], target: str, model: str, fragment: str
) -> None:
    home, session_id, folder = recorded
    where = session_id if target == "session" else str(home / "sessions")
    result = convscope("analyze", where, "--toxicity-model", str(folder.parent / model), home=home)
    assert result.returncode == 2
    assert result.stderr.startswith("convscope: error: ") and result.stderr.count("\n") == 1
    assert fragment in result.stderr


@pytest.mark.parametrize(
    ("make", "fragment"),
    [
        (save_corrupt_classifier, "as a toxicity model: Error while deserializing header"),
        (save_misfit_classifier, "as a toxicity model: its config.json does not fit its weights"),
    ],
)
def test_analyze_refuses_a_model_folder_transformers_cannot_load_in_one_line_and_nothing_else(
    recorded: tuple[Path, str, Path], tmp_path: Path, make: Callable[[Path], Path], fragment: str
) -> None:
    home, session_id, _ = recorded
    result = convscope("analyze", session_id, "--toxicity-model", str(make(tmp_path / "model")), home=home)
    assert result.returncode == 2
    assert result.stderr.startswith("convscope: error: ") and result.stderr.count("\n") == 1
    assert fragment in result.stderr
