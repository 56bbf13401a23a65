"""Run the real ``convscope`` command in a subprocess, with its own home folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def convscope(
    *args: str, home: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, "CONVSCOPE_HOME": str(home), "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "convscope.cli", *args],
        capture_output=True,
        text=True,
        env=full_env,
        timeout=timeout,
        check=False,
    )


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def write_config(path: Path, *agents: tuple[str, str], rounds: int = 2, extra: str = "") -> Path:
    """A group chat TOML with the given (nickname, provider) agents."""
    blocks = [
        f'[[agents]]\nid = "a{i}"\nnickname = "{name}"\nprovider = "{provider}"\n'
        for i, (name, provider) in enumerate(agents)
    ]
    path.write_text(
        f'title = "cli test"\nprotocol = "group_chat"\nrounds = {rounds}\nbrief = "Plan a festival."\n'
        + extra
        + "\n"
        + "\n".join(blocks),
        encoding="utf-8",
    )
    return path
