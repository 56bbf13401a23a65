"""Where sessions live and how they are found: one folder per session under ``sessions_dir()``.

A session folder holds ``snapshot.json`` (the whole document at some point, written
atomically), ``journal.jsonl`` (what happened since, appended turn by turn) and
``writer.lock`` (held by the process recording it). Ids are a UTC timestamp plus a short
random suffix, so folders sort by creation time and parallel sweeps do not collide.
"""

from __future__ import annotations

import re
import secrets
import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from convscope.core.config import SessionConfig
from convscope.core.errors import ConvscopeError
from convscope.core.protocols import UnknownProtocolError, protocol_class
from convscope.core.text import terminal_safe
from convscope.sessions.atomic import fsync_dir
from convscope.sessions.errors import CorruptSessionError, SessionLockedError, SessionNotFoundError
from convscope.sessions.journal import JournalAppender
from convscope.sessions.lock import WriterLock, writer_alive
from convscope.sessions.paths import JOURNAL_NAME, sessions_dir
from convscope.sessions.reader import read_session, read_session_folder
from convscope.sessions.schema import SessionDocument, SessionSummary
from convscope.sessions.writer import SessionWriter, write_snapshot

__all__ = [
    "CorruptSessionError",
    "SessionLockedError",
    "SessionNotFoundError",
    "SessionStore",
    "SessionWriter",
    "new_session_id",
]

_ID_CHARS = re.compile(r"^[A-Za-z0-9._-]+$")


def new_session_id(now: float | None = None) -> str:
    """e.g. ``20261123-142501-ab12``: sortable by time, unique enough for parallel runs."""
    return f"{time.strftime('%Y%m%d-%H%M%S', time.gmtime(now))}-{secrets.token_hex(2)}"


@dataclass(frozen=True)
class UnreadableSession:
    """A session folder that cannot be read: listed with why, never hidden and never touched."""

    id: str  # the folder's name
    reason: str  # one terminal-safe line; files are named relative to the session's folder


@dataclass(frozen=True)
class SessionListing:
    sessions: list[SessionSummary]  # newest first
    unreadable: list[UnreadableSession]  # by folder name


def _session_folders(root: Path) -> list[Path]:
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))


class SessionStore:
    def __init__(self, root: Path | None = None) -> None:
        self.root = root if root is not None else sessions_dir()

    def create(self, config: SessionConfig, *, provenance: dict[str, Any] | None = None) -> SessionWriter:
        """A new, empty session, already on disk, and the writer that records it."""

        def empty(session_id: str, now: float) -> SessionDocument:
            return SessionDocument(
                id=session_id,
                created_at=now,
                updated_at=now,
                status="running",
                config=config,
                provenance=provenance,
            )

        return self.create_from(empty)

    def create_from(self, build: Callable[[str, float], SessionDocument]) -> SessionWriter:
        """A new session whose first document ``build`` makes for its new id and creation time
        (a branch starts with its parent's first turns), on disk and locked for its writer."""
        now = time.time()
        folder = self._new_folder(now)
        lock = WriterLock.acquire(folder)
        try:
            document = build(folder.name, now)
        except BaseException:  # nothing was written: leave no empty folder behind
            lock.release()
            shutil.rmtree(folder, ignore_errors=True)
            raise
        try:
            write_snapshot(folder, document, journal_seq=0, journal_offset=0)
            journal = JournalAppender(folder / JOURNAL_NAME, end=0)
            fsync_dir(folder)
        except BaseException:
            lock.release()
            raise
        return SessionWriter(folder, document, journal, lock, last_seq=0)

    def open_writer(self, session_id: str) -> SessionWriter:
        """Continue a saved session: the writer appends after its last recorded entry.

        The fresh snapshot written here means that every journal entry after it is in
        this convscope's schema version, even when the session was saved by an older one.
        """
        folder = self._folder(session_id)
        lock = WriterLock.acquire(folder)
        try:
            loaded = read_session_folder(folder)
            document = loaded.document
            document.status = "running"
            write_snapshot(folder, document, loaded.last_seq, loaded.journal_end)
            journal = JournalAppender(folder / JOURNAL_NAME, end=loaded.journal_end)
        except BaseException:
            lock.release()
            raise
        return SessionWriter(folder, document, journal, lock, loaded.last_seq)

    def load(self, ref: str | Path) -> SessionDocument:
        """By id, unique id prefix, session folder or exported JSON file. Never writes."""
        if isinstance(ref, Path):
            return _known_protocol(read_session(ref), ref)
        folder = self._find(ref)
        if folder is not None:
            return _known_protocol(read_session_folder(folder).document, folder)
        path = Path(ref).expanduser()
        if path.exists():
            return _known_protocol(read_session(path), path)
        raise SessionNotFoundError(f"no session {ref!r} in {self.root}")

    def listing(self) -> SessionListing:
        """Every session folder: the readable ones summarised, each other one (unreadable, or
        of a protocol this convscope cannot build) with its reason."""
        summaries: list[SessionSummary] = []
        unreadable: list[UnreadableSession] = []
        for folder in _session_folders(self.root):
            try:
                summaries.append(SessionSummary.of(read_session_folder(folder).document))
            except (ConvscopeError, OSError) as exc:
                reason = str(exc).replace(f"{folder}/", "").replace(f"{folder}: ", "")
                unreadable.append(UnreadableSession(folder.name, " ".join(terminal_safe(reason).split())))
        summaries.sort(key=lambda summary: (summary.created_at, summary.id), reverse=True)
        return SessionListing(summaries, unreadable)

    def list(self) -> list[SessionSummary]:
        """The readable sessions, newest first."""
        return self.listing().sessions

    def delete(self, session_id: str) -> None:
        folder = self._folder(session_id)
        if writer_alive(folder):
            raise SessionLockedError(f"session {folder.name} is being written; stop it before deleting it")
        shutil.rmtree(folder)

    def save_document(self, doc: SessionDocument) -> Path:
        """Write a complete session at once (importers). Refuses to overwrite an existing one."""
        self.root.mkdir(parents=True, exist_ok=True)
        folder = self.root / doc.id
        folder.mkdir()
        write_snapshot(folder, doc, journal_seq=0, journal_offset=0)
        fsync_dir(self.root)
        return folder

    def _new_folder(self, now: float) -> Path:
        self.root.mkdir(parents=True, exist_ok=True)
        while True:
            folder = self.root / new_session_id(now)
            try:
                folder.mkdir()
            except FileExistsError:
                continue
            fsync_dir(self.root)
            return folder

    def _find(self, ref: str) -> Path | None:
        """The store folder named by an id or a unique id prefix, if ``ref`` is one."""
        if not _ID_CHARS.match(ref):
            return None
        exact = self.root / ref
        if exact.is_dir():
            return exact
        matches = [folder for folder in _session_folders(self.root) if folder.name.startswith(ref)]
        if len(matches) > 1:
            names = ", ".join(folder.name for folder in matches[:3]) + (", ..." if len(matches) > 3 else "")
            raise SessionNotFoundError(
                f"{ref!r} is ambiguous: {len(matches)} sessions start with it ({names})"
            )
        return matches[0] if matches else None

    def _folder(self, session_id: str) -> Path:
        folder = self._find(session_id)
        if folder is None:
            raise SessionNotFoundError(f"no session {session_id!r} in {self.root}")
        return folder


def _known_protocol(document: SessionDocument, where: Path) -> SessionDocument:
    """The document, if this convscope knows its protocol: every use of a loaded session
    (replay, resume, branch, measure, export) needs the protocol's rules."""
    try:
        protocol_class(document.config)
    except UnknownProtocolError as exc:
        raise UnknownProtocolError(f"{where}: {exc}") from None
    return document
