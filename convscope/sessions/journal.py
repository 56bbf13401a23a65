"""The append-only journal: one JSON line per record, each with a sequence number.

Appending costs the size of the new line, whatever the length of the session. A line
is written with one ``write`` call and ends with a newline, so the only damage a crash
can do is a last line without its newline: the reader ignores that one line (the
writer cuts it off before appending again). Anything else wrong is corruption.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from convscope.sessions.errors import CorruptSessionError
from convscope.sessions.strict_json import parse_json

EntryKind = Literal["turn", "control", "metrics", "status"]

LIST_FIELDS: Mapping[EntryKind, str] = {"turn": "turns", "control": "controls", "metrics": "metrics"}
"""The document list each kind of record is appended to; ``status`` replaces the status."""

_KINDS = frozenset(("turn", "control", "metrics", "status"))


@dataclass(frozen=True)
class Entry:
    seq: int
    at: float
    kind: EntryKind
    data: dict[str, Any]

    def encode(self) -> bytes:
        record = {"seq": self.seq, "at": self.at, "kind": self.kind, "data": self.data}
        return json.dumps(record, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode() + b"\n"


@dataclass(frozen=True)
class JournalScan:
    entries: list[Entry]
    end: int  # byte offset just after the last complete line: where the next append goes


def read_journal(path: Path, offset: int, after_seq: int) -> JournalScan:
    """The entries written after byte ``offset`` (the snapshot covers the rest). Read-only."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        if offset:
            raise CorruptSessionError(
                f"{path}: missing, but the snapshot covers {offset} bytes of it"
            ) from None
        return JournalScan([], 0)
    if len(data) < offset:
        raise CorruptSessionError(
            f"{path}: {len(data)} bytes, shorter than the {offset} bytes the snapshot says it covers"
        )
    complete, newline, _torn = data[offset:].rpartition(b"\n")
    lines = complete.split(b"\n") if newline else []
    first_line = data[:offset].count(b"\n") + 1
    entries: list[Entry] = []
    previous = after_seq
    for number, line in enumerate(lines, start=first_line):
        entry = _parse(line, previous, f"{path}: line {number}")
        entries.append(entry)
        previous = entry.seq
    return JournalScan(entries, offset + len(complete) + len(newline))


def _parse(line: bytes, previous_seq: int, where: str) -> Entry:
    record = parse_json(line, where)
    if not isinstance(record, dict) or set(record) != {"seq", "at", "kind", "data"}:
        raise CorruptSessionError(f"{where}: not a journal record")
    seq, at, kind, data = record["seq"], record["at"], record["kind"], record["data"]
    if type(seq) is not int or seq <= previous_seq:
        raise CorruptSessionError(f"{where}: sequence number {seq!r} does not follow {previous_seq}")
    well_formed = type(at) in (int, float) and isinstance(kind, str) and isinstance(data, dict)
    if not well_formed or kind not in _KINDS:
        raise CorruptSessionError(f"{where}: not a journal record")
    return Entry(seq, float(at), kind, data)


class JournalAppender:
    """The writer's end of the journal: an unbuffered append-only file descriptor."""

    def __init__(self, path: Path, end: int) -> None:
        """Open for appending after byte ``end``, cutting off a torn last line if there is one."""
        self._fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        if os.fstat(self._fd).st_size > end:
            os.ftruncate(self._fd, end)
        self.end = end

    def append(self, entry: Entry, *, durable: bool) -> None:
        """Write one line; ``durable`` also fsyncs it (and every line before it)."""
        encoded = entry.encode()
        pending = memoryview(encoded)
        while pending:
            pending = pending[os.write(self._fd, pending) :]
        self.end += len(encoded)
        if durable:
            os.fsync(self._fd)

    def sync(self) -> None:
        os.fsync(self._fd)

    def close(self) -> None:
        os.close(self._fd)
