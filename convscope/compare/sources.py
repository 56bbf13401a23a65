"""What ``--a`` and ``--b`` name: session ids, session files or folders of sessions, and a
folder narrowed to one cell of a grid (``FOLDER:FIELD=VALUE``, e.g. a sweep's
``sweeps/p:options.p=0.15``; the field is read as ``analyze --by`` reads it). The sessions
of a folder are read in worker processes (``sessions.pool``), as ``analyze <folder>`` reads them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from convscope.compare.groups import (
    GroupComparison,
    SessionFinals,
    compare_groups,
    finals_in_cell,
    finals_of_path,
)
from convscope.core.errors import UserError
from convscope.corpus.command import is_corpus
from convscope.sessions.folders import find_sessions
from convscope.sessions.pool import map_sessions
from convscope.sessions.store import SessionStore


@dataclass
class Loaded:
    sessions: list[SessionFinals] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def _cell(item: str) -> tuple[str, str, str] | None:
    """``FOLDER:FIELD=VALUE`` split, when FOLDER is a folder of sessions."""
    folder, colon, condition = item.rpartition(":")
    name, equals, value = condition.partition("=")
    if colon and equals and name and is_corpus(folder):
        return folder, name, value
    return None


def _folder(
    folder: str,
    loaded: Loaded,
    jobs: int | None,
    work: Callable[[Path], SessionFinals | None] = finals_of_path,
) -> list[SessionFinals]:
    """What ``work`` keeps of each readable session under ``folder``; unreadable ones are
    recorded with why."""
    found: list[SessionFinals] = []
    for result in map_sessions(work, find_sessions(Path(folder).expanduser()), jobs):
        if isinstance(result, SessionFinals):
            found.append(result)
        elif result is not None:
            loaded.skipped.append(result)
    return found


def compare_two_groups(
    a: Sequence[str] | None, b: Sequence[str] | None, store: SessionStore, *, jobs: int | None = None
) -> GroupComparison:
    """The groups ``--a`` and ``--b`` name, read and compared; a UserError naming the one
    missing (``compare`` and ``report`` alike)."""
    if not (a and b):
        raise UserError(f"two groups are compared with both --a and --b: {'--b' if a else '--a'} is missing")
    first, second = (load_group(items, store, jobs=jobs) for items in (a, b))
    return compare_groups(first.sessions, second.sessions, skipped=[*first.skipped, *second.skipped])


def load_group(items: Sequence[str], store: SessionStore, *, jobs: int | None = None) -> Loaded:
    """Every session the items name, each once; a UserError when they name none."""
    loaded = Loaded()
    for item in items:
        cell = _cell(item)
        if cell is not None:
            folder, name, value = cell
            found = _folder(folder, loaded, jobs, partial(finals_in_cell, field=name, value=value))
            if not found:
                raise UserError(f"no session under {folder} has {name} = {value}")
            loaded.sessions += found
        elif is_corpus(item):
            loaded.sessions += _folder(item, loaded, jobs)
        else:
            loaded.sessions.append(SessionFinals.of(store.load(item)))
    unique = {session.id: session for session in loaded.sessions}
    if not unique:
        raise UserError(f"no readable session in {' '.join(items)}")
    loaded.sessions = list(unique.values())
    return loaded
