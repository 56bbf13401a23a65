"""What ``--a`` and ``--b`` name: session ids, session files or folders of sessions, and a
folder narrowed to one cell of a grid (``FOLDER:FIELD=VALUE``, e.g. a sweep's
``sweeps/p:options.p=0.15``; the field is read as ``analyze --by`` reads it)."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from convscope.core.errors import UserError
from convscope.corpus.command import is_corpus
from convscope.corpus.sessions import field_value
from convscope.sessions.errors import CorruptSessionError, SessionNotFoundError
from convscope.sessions.folders import find_sessions
from convscope.sessions.reader import read_session
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore


@dataclass
class Loaded:
    documents: list[SessionDocument] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (path, why)


def _cell(item: str) -> tuple[str, str, str] | None:
    """``FOLDER:FIELD=VALUE`` split, when FOLDER is a folder of sessions."""
    folder, colon, condition = item.rpartition(":")
    name, equals, value = condition.partition("=")
    if colon and equals and name and is_corpus(folder):
        return folder, name, value
    return None


def _folder(folder: Path, loaded: Loaded) -> Iterator[SessionDocument]:
    """Each readable session under ``folder``; the others are recorded with why."""
    for path in find_sessions(folder):
        try:
            yield read_session(path)
        except (CorruptSessionError, SessionNotFoundError, OSError) as exc:
            loaded.skipped.append((str(path), str(exc)))


def load_group(items: Sequence[str], store: SessionStore) -> Loaded:
    """Every session the items name, each once; a UserError when they name none."""
    loaded = Loaded()
    for item in items:
        cell = _cell(item)
        if cell is not None:
            folder, name, value = cell
            found = [d for d in _folder(Path(folder).expanduser(), loaded) if field_value(d, name) == value]
            if not found:
                raise UserError(f"no session under {folder} has {name} = {value}")
            loaded.documents += found
        elif is_corpus(item):
            loaded.documents += _folder(Path(item).expanduser(), loaded)
        else:
            loaded.documents.append(store.load(item))
    unique = {document.id: document for document in loaded.documents}
    if not unique:
        raise UserError(f"no readable session in {' '.join(items)}")
    loaded.documents = list(unique.values())
    return loaded
