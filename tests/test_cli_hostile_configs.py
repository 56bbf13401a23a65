"""Whatever a config file holds, ``convscope run`` answers one line naming it, exits 2 and writes nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.cli import main
from convscope.core.config_files import ConfigError
from convscope.sweep.spec import load_sweep

AGENT = '[[agents]]\nid = "a"\nnickname = "A"\nprovider = "scripted:echo"\n'

# name -> (file content, what the one line must say after the file's name)
HOSTILE: dict[str, tuple[bytes, str]] = {
    "an array nested 50,000 deep": (b"x = " + b"[" * 50_000 + b"]" * 50_000, "nested deeper than 64"),
    "inline tables nested 3,000 deep": (b"x = " + b"{a=" * 3000 + b"1" + b"}" * 3000, "nested deeper"),
    "options nested 100 deep": (
        (AGENT + "[options]\nx = " + "[" * 100 + "]" * 100).encode(),
        "nested deeper than 64",
    ),
    "a PNG file": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text"),
    "NUL bytes": (b"\x00\x01\x02", "invalid TOML"),
    "an integer of 5,000 digits": (b"rounds = 1" + b"0" * 4999, "Exceeds the limit (4300 digits)"),
    "a seed beyond 64 bits": (("seed = 1" + "0" * 20 + "\n" + AGENT).encode(), "integer outside 64 bits"),
    "an infinite timeout": (("turn_timeout_s = inf\n" + AGENT).encode(), "not finite"),
    "a title that is a number": (("title = 5\n" + AGENT).encode(), "title: Input should be a valid string"),
    "rounds as text": (('rounds = "three"\n' + AGENT).encode(), "rounds: Input should be a valid integer"),
    "agents as a number": (b"agents = 3\n", "agents: Input should be a valid"),
    "an agent as a number": (b"agents = [1]\n", "agents.0: Input should be a valid"),
    "a temperature as text": (
        (AGENT + '[agents.params]\ntemperature = "hot"\n').encode(),
        "agents.0.params.temperature: Input should be a valid number",
    ),
    "options as text": (
        ('options = "fast"\n' + AGENT).encode(),
        "options: Input should be a valid dictionary",
    ),
    "an option the protocol does not have": (
        (AGENT + "[options]\nwarp = 9\n").encode(),
        "options.warp: Extra inputs are not permitted",
    ),
    "an option of the wrong type": (
        (AGENT + '[options]\nshuffle_order = "maybe"\n').encode(),
        "options.shuffle_order: Input should be a valid boolean",
    ),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_run_refuses_a_hostile_config_in_one_line_naming_the_file(
    name: str, tmp_path: Path, convscope_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    content, expected = HOSTILE[name]
    path = tmp_path / "hostile.toml"
    path.write_bytes(content)

    assert main(["run", str(path), "--headless"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("convscope: error: ") and expected in line, line
    if "options" not in expected:  # protocol options are checked once the file is read
        assert str(path) in line
    assert list(convscope_home.rglob("*")) == []


def test_a_folder_named_like_a_config_is_refused_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "folder.toml").mkdir()
    assert main(["run", str(tmp_path / "folder.toml")]) == 2
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"convscope: error: cannot read {tmp_path / 'folder.toml'}: Is a directory"


@pytest.mark.parametrize("name", ["an array nested 50,000 deep", "a PNG file", "an integer of 5,000 digits"])
def test_a_hostile_sweep_file_is_one_config_error_naming_it(name: str, tmp_path: Path) -> None:
    path = tmp_path / "sweep.toml"
    path.write_bytes(HOSTILE[name][0])
    with pytest.raises(ConfigError, match=f"^{path}") as raised:
        load_sweep(path)
    assert HOSTILE[name][1] in str(raised.value) and "\n" not in str(raised.value)
