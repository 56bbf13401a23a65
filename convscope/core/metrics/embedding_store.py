"""Embeddings kept on disk between runs, so that a corpus is embedded once, not per analysis.

MiniLM costs about 50 ms per long message on two cores: the 13,789 War Room messages take
ten minutes to embed, and every analysis and report of the same sessions wants the same vectors.
One SQLite file per model fingerprint (a changed model never reuses old vectors), rows keyed
by the SHA-1 of the text. WAL mode and a busy timeout let the corpus worker processes read
and write the file at the same time.

It is a cache: a file that cannot be read is reported once and then left alone (for the
user to inspect or delete), and convscope goes on computing embeddings without it; a lock
held by another process past the busy timeout costs only the batch that met it.
``CONVSCOPE_EMBEDDING_CACHE=off`` turns it off; a folder path moves it.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
import threading
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from convscope.core.environment import cache_root, embedding_cache_setting
from convscope.core.taking_turns import taking_turns

OFF_VALUES = frozenset({"off", "0", "no", "false"})
_QUERY_CHUNK = 500  # keys per SELECT, under SQLite's limit on bound parameters
_BUSY_TIMEOUT_S = 30.0

log = logging.getLogger(__name__)


class EmbeddingStore:
    """Rows of ``dimension`` float32 values by text key, in one SQLite file (thread-safe)."""

    def __init__(self, path: Path, dimension: int, busy_timeout_s: float = _BUSY_TIMEOUT_S) -> None:
        self.path = path
        self.dimension = dimension
        self.busy_timeout_s = busy_timeout_s
        self._lock = threading.Lock()
        self._connection: sqlite3.Connection | None = None
        self._unusable = False

    def get_many(self, keys: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """The stored rows among ``keys`` (read-only arrays); unknown keys are left out."""
        found: dict[str, NDArray[np.float32]] = {}
        with self._lock:
            connection = self._connect()
            if connection is None:
                return found
            try:
                for start in range(0, len(keys), _QUERY_CHUNK):
                    chunk = keys[start : start + _QUERY_CHUNK]
                    marks = ",".join("?" * len(chunk))
                    query = f"SELECT key, vector FROM embeddings WHERE key IN ({marks})"
                    for key, blob in connection.execute(query, chunk):
                        if len(blob) == 4 * self.dimension:
                            found[key] = np.frombuffer(blob, dtype="<f4")
            except sqlite3.Error as error:
                self._failed(error)
        return found

    def put_many(self, rows: Mapping[str, NDArray[np.float32]]) -> None:
        """Store ``rows``; a failure to write costs the cache, never the caller's result."""
        with self._lock:
            connection = self._connect()
            if connection is None or not rows:
                return
            records = _records(rows.items())
            try:
                with connection:
                    connection.executemany(
                        "INSERT OR REPLACE INTO embeddings (key, vector) VALUES (?, ?)", records
                    )
            except sqlite3.Error as error:
                self._failed(error)

    def close(self) -> None:
        with self._lock:
            if self._connection is not None:
                self._connection.close()
                self._connection = None

    def _connect(self) -> sqlite3.Connection | None:
        if self._connection is not None or self._unusable:
            return self._connection
        connection = None
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Switching a new file to WAL does not wait on SQLite's busy timeout: processes
            # opening the store together take turns on a lock file instead.
            with taking_turns(self.path):
                connection = sqlite3.connect(self.path, timeout=self.busy_timeout_s, check_same_thread=False)
                connection.execute("PRAGMA page_size=16384")  # before WAL: ten rows to a page
                connection.execute("PRAGMA journal_mode=WAL")
                connection.execute("PRAGMA synchronous=NORMAL")
                # A rowid table: its 1.5 kB rows share pages, where WITHOUT ROWID would give
                # each row an overflow page of its own (4.7 kB per row, measured).
                connection.execute(
                    "CREATE TABLE IF NOT EXISTS embeddings (key TEXT PRIMARY KEY, vector BLOB NOT NULL)"
                )
        except (OSError, sqlite3.Error) as error:
            if connection is not None:
                connection.close()
            self._give_up(error)
            return None
        self._connection = connection
        return connection

    def _failed(self, error: sqlite3.Error) -> None:
        """A lock held past the busy timeout costs this batch only; anything else, the store."""
        if isinstance(error, sqlite3.OperationalError) and any(
            word in str(error) for word in ("locked", "busy")
        ):
            log.warning("embedding cache %s is busy (%s); this batch goes without it", self.path, error)
            return
        self._give_up(error)

    def _give_up(self, error: BaseException) -> None:
        log.warning(
            "embedding cache %s is unusable (%s); going on without it (delete the file to rebuild it)",
            self.path,
            error,
        )
        self._unusable = True
        if self._connection is not None:
            self._connection.close()
            self._connection = None


def _records(rows: Iterable[tuple[str, NDArray[np.float32]]]) -> list[tuple[str, bytes]]:
    return [(key, np.asarray(row, dtype="<f4").tobytes()) for key, row in rows]


def model_fingerprint(model_folder: Path) -> str:
    """A short hash of the model's configuration files and weight size: new model, new file."""
    digest = hashlib.sha1()
    for path in sorted(model_folder.rglob("*.json")):
        digest.update(path.relative_to(model_folder).as_posix().encode())
        digest.update(path.read_bytes())
    for path in sorted(model_folder.glob("*.safetensors")):
        digest.update(f"{path.name}:{path.stat().st_size}".encode())
    return digest.hexdigest()[:16]


def default_store(model_folder: Path, dimension: int) -> EmbeddingStore | None:
    """The store under the cache directory (or ``$CONVSCOPE_EMBEDDING_CACHE``), or None if off."""
    setting = embedding_cache_setting()
    if setting.lower() in OFF_VALUES:
        return None
    folder = Path(setting) if setting else cache_root() / "embeddings"
    return EmbeddingStore(folder / f"minilm-{model_fingerprint(model_folder)}.sqlite3", dimension)
