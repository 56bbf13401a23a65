"""The whole War Room corpus in one call, and the README's Python API section run as written."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import convscope
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_folder
from convscope.sessions.store import SessionStore
from tests.support.warroom import transcripts

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A home folder whose ~/warroom holds the imported corpus, as the README assumes."""
    home = tmp_path_factory.mktemp("home")
    import_folder(importer("warroom"), transcripts(), SessionStore(home / "warroom"))
    return home


def test_turns_frame_reads_every_imported_message_of_the_corpus(home: Path) -> None:
    frame = convscope.turns_frame(home / "warroom")

    assert frame.session_id.nunique() == 208
    assert len(frame) >= 13_788  # every message the paper coded is a row, and the errors too
    assert frame.failed.sum() == 724  # 334 permanent + 390 transient failures (docs/warroom.md)


def _python_api_block() -> str:
    section = README.read_text(encoding="utf-8").split("## Python API", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.DOTALL)
    assert match is not None, "the README's Python API section has no python block"
    return match.group(1)


def test_the_readme_python_api_example_runs_as_written(home: Path, tmp_path: Path) -> None:
    env = {**os.environ, "HOME": str(home), "CONVSCOPE_HOME": str(tmp_path), "PYTHONPATH": str(README.parent)}

    result = subprocess.run(
        [sys.executable, "-c", _python_api_block()],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("15153 turns, 208 sessions\n")
