"""Reading a session back: a session folder (snapshot + journal) or one exported JSON file.

Reading never writes. Anything that is not a readable session becomes a one-line
CorruptSessionError naming the file and what is wrong with it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from convscope.core.config_files import first_validation_error
from convscope.sessions.errors import CorruptSessionError, SessionNotFoundError
from convscope.sessions.journal import LIST_FIELDS, read_journal
from convscope.sessions.lock import writer_alive
from convscope.sessions.paths import JOURNAL_NAME, SNAPSHOT_NAME
from convscope.sessions.schema import SessionDocument, upgrade_document
from convscope.sessions.strict_json import parse_json


@dataclass(frozen=True)
class LoadedSession:
    """A session folder's document, and where its journal ends (what a resuming writer needs)."""

    document: SessionDocument
    last_seq: int
    journal_end: int


def read_session(path: Path) -> SessionDocument:
    if path.is_dir():
        return read_session_folder(path).document
    if path.is_file():
        return _validate(_read_json(path), path, live=False)
    raise SessionNotFoundError(f"no session at {path}")


def read_session_folder(folder: Path) -> LoadedSession:
    """The snapshot, plus the journal entries written after it."""
    snapshot_path = folder / SNAPSHOT_NAME
    if not snapshot_path.is_file():
        raise CorruptSessionError(f"{folder}: not a session folder (no {SNAPSHOT_NAME})")
    envelope = _read_json(snapshot_path)
    if not _is_envelope(envelope):
        raise CorruptSessionError(f"{snapshot_path}: not a convscope session snapshot")
    raw: dict[str, Any] = envelope["document"]
    scan = read_journal(folder / JOURNAL_NAME, envelope["journal_offset"], envelope["journal_seq"])
    for entry in scan.entries:
        if entry.kind == "status":
            raw["status"] = entry.data.get("status")
        else:
            target = raw.get(LIST_FIELDS[entry.kind])
            if not isinstance(target, list):
                raise CorruptSessionError(f"{snapshot_path}: not a convscope session document")
            target.append(entry.data)
        raw["updated_at"] = entry.at
    document = _validate(raw, folder, live=writer_alive(folder))
    if document.id != folder.name:
        raise CorruptSessionError(f"{folder}: holds session {document.id}, not {folder.name}")
    last_seq = scan.entries[-1].seq if scan.entries else envelope["journal_seq"]
    return LoadedSession(document, last_seq, scan.end)


def _is_envelope(value: Any) -> bool:
    return (
        isinstance(value, dict)
        and set(value) == {"journal_seq", "journal_offset", "document"}
        and type(value["journal_seq"]) is int
        and type(value["journal_offset"]) is int
        and value["journal_offset"] >= 0
        and isinstance(value["document"], dict)
    )


def _read_json(path: Path) -> Any:
    return parse_json(path.read_bytes(), str(path))


def _validate(raw: Any, where: Path, *, live: bool) -> SessionDocument:
    """Upgrade and validate; a session left 'running' by a writer that is gone is 'interrupted'."""
    if not isinstance(raw, dict):
        raise CorruptSessionError(f"{where}: not a convscope session document")
    try:
        document = SessionDocument.model_validate(upgrade_document(raw))
    except ValidationError as exc:
        reason = first_validation_error(exc, "document")
        raise CorruptSessionError(f"{where}: not a valid session document: {reason}") from None
    except ValueError as exc:
        raise CorruptSessionError(f"{where}: {exc}") from None
    if document.status == "running" and not live:
        document.status = "interrupted"
    # The turns of a simultaneous batch are journalled as they finish, in any order.
    document.turns.sort(key=lambda turn: turn.index)
    return document
