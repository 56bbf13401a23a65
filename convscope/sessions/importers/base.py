"""What an importer is: a reader that turns one external file into one convscope session.

Each format (War Room transcripts; later the Social-LLM-Networks JSON of the opinion-network paper, AutoGen
logs) gets one small class with a ``name``, a cheap ``can_read`` test and a ``read`` that
returns the document plus everything it could not map. Nothing is dropped silently:
a source message that has no place in a session is listed in ``unmapped`` (and kept, raw,
in the document's provenance), and a judgement call the importer made is listed in ``notes``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from convscope.core.errors import ConvscopeError
from convscope.sessions.schema import SessionDocument


class ImportFormatError(ConvscopeError, ValueError):
    """The file is not in the importer's format (or is broken): one line, naming the file."""


@dataclass(frozen=True)
class ImportResult:
    document: SessionDocument
    unmapped: list[str] = field(default_factory=list)  # one line per source message left out, and why
    notes: list[str] = field(default_factory=list)  # messages mapped by a judgement call, and which


class Importer(Protocol):
    name: str

    def can_read(self, path: Path) -> bool:
        """True when ``path`` looks like this importer's format (cheap: no full parse needed)."""
        ...

    def read(self, path: Path) -> ImportResult:
        """The session in ``path``; raises ImportFormatError when it cannot be read."""
        ...

    def group(self, document: SessionDocument) -> str:
        """The label a folder import counts sessions by (e.g. the War Room series)."""
        ...


def file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def source_provenance(path: Path, data: bytes, importer: str) -> dict[str, Any]:
    """Where a session came from: the importer, and the file by absolute path and SHA-256."""
    return {"importer": importer, "source": {"path": str(path.resolve()), "sha256": file_digest(data)}}
