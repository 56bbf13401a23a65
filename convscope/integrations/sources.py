"""What the public API accepts as "sessions": one or many ids, paths, folders or documents.

A folder that is not itself a session folder stands for every session under it (a store
filled by ``convscope import --into``, a sweep's folder, a folder of exported JSON files).
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypeAlias

from convscope.sessions.folders import find_sessions
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore

SessionRef: TypeAlias = str | os.PathLike[str]
Sessions: TypeAlias = SessionDocument | SessionRef | Iterable[SessionDocument | SessionRef]


def load_session(id_or_path: SessionRef) -> SessionDocument:
    """One session, by id (or a unique id prefix) in the user's store, session folder or
    exported JSON file. Raises ``SessionNotFoundError`` or ``CorruptSessionError``."""
    if isinstance(id_or_path, os.PathLike):
        return SessionStore().load(Path(id_or_path))
    return SessionStore().load(id_or_path)


def iter_sessions(sessions: Sessions) -> Iterator[SessionDocument]:
    """Every session ``sessions`` names, in the order given (a folder's in path order)."""
    if isinstance(sessions, SessionDocument | str | os.PathLike):
        sessions = [sessions]
    for item in sessions:
        if isinstance(item, SessionDocument):
            yield item
        elif _is_collection(item):
            yield from (load_session(path) for path in find_sessions(Path(item).expanduser()))
        else:
            yield load_session(item)


def _is_collection(ref: SessionRef) -> bool:
    path = Path(ref).expanduser()
    return path.is_dir() and not (path / SNAPSHOT_NAME).is_file()
