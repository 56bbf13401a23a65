"""Finding sessions under a folder: what a corpus analysis, a report or a DataFrame reads."""

from __future__ import annotations

from pathlib import Path

from convscope.sessions.paths import SNAPSHOT_NAME


def find_sessions(folder: Path) -> list[Path]:
    """Session folders (e.g. a store filled by ``convscope import --into``) and exported
    session JSON files under ``folder``, in path order."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    folders = {snapshot.parent for snapshot in folder.rglob(SNAPSHOT_NAME)}
    files = {
        path
        for path in folder.rglob("*.json")
        if path.name != SNAPSHOT_NAME and not any(parent in folders for parent in path.parents)
    }
    return sorted(folders | files)
