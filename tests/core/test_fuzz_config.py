"""Fuzzing the config parser: every mutant of a shipped preset is a config or one line naming it.

Each mutant goes through what ``convscope run`` does before it writes anything: read the
file, parse it, validate it, build the protocol and check every model. Any failure must be a
ValueError (what the CLI prints as one line, exit 2) whose message is one line; a parse
failure must name the file. The file itself is never changed.
"""

from __future__ import annotations

import random
from importlib import resources
from pathlib import Path

import pytest

from convscope.core.config_files import ConfigError, load_config, preset_names
from convscope.core.preflight import check_models
from tests.support.mutants import mutate_bytes, mutate_toml_text

MUTANTS_PER_PRESET = 40


def _preset_text(name: str) -> str:
    return (resources.files("convscope") / "presets" / f"{name}.toml").read_text(encoding="utf-8")


@pytest.mark.parametrize("preset", preset_names())
def test_every_mutant_of_a_preset_is_a_config_or_one_line_and_the_file_is_left_alone(
    preset: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "GROQ_API_KEY"):
        monkeypatch.delenv(variable, raising=False)
    rng = random.Random(f"config fuzz {preset}")
    text = _preset_text(preset)
    path = tmp_path / f"{preset}-mutant.toml"
    outcomes = {"runs": 0, "refused": 0}
    for number in range(MUTANTS_PER_PRESET):
        if rng.random() < 0.4:
            path.write_bytes(mutate_bytes(text.encode(), rng))
        else:
            path.write_text(mutate_toml_text(text, rng), encoding="utf-8")
        before = path.read_bytes()
        case = f"{preset} mutant {number}"
        try:
            config = load_config(str(path))
        except ConfigError as error:  # the file itself: it names the file
            outcomes["refused"] += 1
            assert str(path) in str(error) and "\n" not in str(error), f"{case}: {error}"
        else:
            try:
                check_models(config)
                outcomes["runs"] += 1
            except ValueError as error:  # the protocol's options or a model's spec, key or file
                outcomes["refused"] += 1
                assert "\n" not in str(error), f"{case}: {error}"
        assert path.read_bytes() == before, case
    assert outcomes["refused"] > 0, outcomes
