"""The session writer: an engine observer that records a session as it happens.

Every completed or failed turn and every control is appended to the journal and fsynced
before the engine goes on, so a crash loses at most the turn in flight. Metrics are
only flushed (they are recomputed on replay; the next turn's fsync makes them durable).
A snapshot of the whole document is written when the session pauses or ends, or on
demand, so that loading reads one JSON file plus a short journal tail.

The methods hold one lock: the engine's thread records events while the TUI's thread may
ask for a snapshot, and a snapshot must never see a turn without its sequence number.
"""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from types import TracebackType

from pydantic import BaseModel
from pydantic_core import to_jsonable_python

from convscope.core.events import (
    ControlApplied,
    Event,
    MetricsUpdated,
    SessionEnded,
    SessionStarted,
    TurnCompleted,
    TurnFailed,
)
from convscope.core.snapshot import Snapshot
from convscope.sessions.atomic import write_atomic
from convscope.sessions.journal import LIST_FIELDS, Entry, EntryKind, JournalAppender
from convscope.sessions.lock import WriterLock
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.schema import SessionDocument, SessionStatus

_END_STATUS: dict[str, SessionStatus] = {"finished": "finished", "stopped": "stopped", "error": "interrupted"}


def write_snapshot(folder: Path, document: SessionDocument, journal_seq: int, journal_offset: int) -> None:
    """The whole document, plus how far into the journal it already goes."""
    envelope = {
        "journal_seq": journal_seq,
        "journal_offset": journal_offset,
        "document": document.model_dump(mode="json"),
    }
    write_atomic(folder / SNAPSHOT_NAME, json.dumps(envelope, ensure_ascii=False, allow_nan=False).encode())


class SessionWriter:
    """Records one session into its folder. Made by ``SessionStore.create`` / ``open_writer``."""

    def __init__(
        self,
        folder: Path,
        document: SessionDocument,
        journal: JournalAppender,
        lock: WriterLock,
        last_seq: int,
    ) -> None:
        self.path = folder
        self.session_id = document.id
        self._document = document
        self._journal = journal
        self._lock = lock
        lock.write_pid()
        self._seq = last_seq
        self._closed = False
        self._mutex = threading.RLock()

    @property
    def document(self) -> SessionDocument:
        """The live document (shared, not copied): what has been recorded so far."""
        return self._document

    def on_event(self, event: Event) -> None:
        with self._mutex:
            self._record(event)

    def snapshot(self) -> None:
        """Write the whole document atomically; the journal before it is then redundant."""
        with self._mutex:
            self._check_open()
            self._journal.sync()
            write_snapshot(self.path, self._document, self._seq, self._journal.end)

    def close(self) -> None:
        """Snapshot and release the session. A session closed mid-run is 'interrupted'."""
        with self._mutex:
            if self._closed:
                return
            if self._document.status == "running":
                self._set_status("interrupted")
            self.snapshot()
            self._journal.close()
            self._lock.release()
            self._closed = True

    def __enter__(self) -> SessionWriter:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, trace: TracebackType | None
    ) -> None:
        self.close()

    def _record(self, event: Event) -> None:
        self._check_open()
        match event:
            case TurnCompleted(turn=turn) | TurnFailed(turn=turn):
                self._append("turn", turn, durable=True)
            case ControlApplied(record=record):
                self._append("control", record, durable=True)
                if record.kind == "paused":
                    self._set_status("paused")
                    self.snapshot()
                elif record.kind in ("resumed", "stepped"):
                    self._set_status("running")
            case MetricsUpdated():
                self._append("metrics", event, durable=False)
            case SessionStarted():
                self._set_status("running")
            case SessionEnded(reason=reason):
                self._set_status(_END_STATUS[reason])
                self.snapshot()
            case _:
                pass  # streaming and round events are not part of the record

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError(f"the writer of session {self.session_id} is closed")

    def _append(self, kind: EntryKind, record: BaseModel | Snapshot, *, durable: bool) -> None:
        self._write(kind, to_jsonable_python(record), durable=durable)
        getattr(self._document, LIST_FIELDS[kind]).append(record)

    def _set_status(self, status: SessionStatus) -> None:
        if self._document.status != status:
            self._document.status = status
            self._write("status", {"status": status}, durable=True)

    def _write(self, kind: EntryKind, data: dict[str, object], *, durable: bool) -> None:
        self._seq += 1
        now = time.time()
        self._journal.append(Entry(self._seq, now, kind, data), durable=durable)
        self._document.updated_at = now
