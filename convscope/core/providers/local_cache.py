"""What the model cache holds, what this installation still reads, and pruning the rest.

Each entry in ``<cache>/models`` is a ``local:`` model file prepared once: its dequantised
weights, or its onnxruntime-genai conversion (a few hundred MB each for the embedded model).
An entry nothing reads again stays for ever: its file was deleted or changed, or it was made
by an earlier release, which keyed entries by the file's path (each old virtual environment
left a pair), or for another onnxruntime-genai release. ``convscope cache`` lists them and
``--prune`` deletes them; what a later start needs, it prepares again.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from convscope.core.providers.base import ProviderError
from convscope.core.providers.local_sources import (
    EMBEDDED,
    ModelSource,
    entries_for,
    entry_source,
    models_folder,
    resolve_source,
)

# A conversion's temporary folder (``.<entry>.partial-*``) older than this was left by a
# process that died mid-conversion (a conversion gives up after 15 minutes).
ABANDONED_AFTER_S = 3600


@dataclass(frozen=True)
class CacheEntry:
    path: Path
    size: int  # bytes
    reads_it: str | None  # who still reads it ("local:smollm2-135m", a file's path), or None
    why_stale: str  # when nothing reads it: why

    @property
    def stale(self) -> bool:
        return self.reads_it is None


def cache_entries() -> list[CacheEntry]:
    """Every entry of the model cache, in name order, each with who reads it or why no one does."""
    folder = models_folder()
    if not folder.is_dir():
        return []
    embedded = _embedded_entries()
    entries = []
    for path in sorted(folder.iterdir()):
        if not path.is_dir() or path.name in (".locks", ".digests"):
            continue
        if path.name.startswith("."):  # a conversion's temporary folder
            if time.time() - path.stat().st_mtime <= ABANDONED_AFTER_S:
                continue  # a conversion may still be writing it
            reads_it, why = None, "left by an interrupted conversion"
        elif path in embedded:
            reads_it, why = embedded[path], ""
        else:
            reads_it, why = _recorded_reader(path)
        entries.append(CacheEntry(path, _folder_size(path), reads_it, why))
    return entries


def prune(entries: Iterable[CacheEntry]) -> int:
    """Delete the stale entries; the bytes freed."""
    freed = 0
    for entry in entries:
        if entry.stale:
            shutil.rmtree(entry.path, ignore_errors=True)
            freed += entry.size
    return freed


def _embedded_entries() -> dict[Path, str]:
    """The entries this installation reads for its embedded models (those whose wheel is in)."""
    readers: dict[Path, str] = {}
    for name in EMBEDDED:
        try:
            source = resolve_source(name)
        except ProviderError:
            continue  # its wheel is not installed here
        for entry in entries_for(source):
            readers[entry] = f"local:{name}"
    return readers


def _recorded_reader(entry: Path) -> tuple[str | None, str]:
    source = entry_source(entry)
    if source is None:
        return None, "no record of its model file (an earlier release made it)"
    if not source.path.is_file():
        return None, f"its model file is gone: {source.path}"
    if entry not in entries_for(ModelSource(source.name, source.path)):
        return None, "its model file changed, or another onnxruntime-genai release made it"
    return f"local:{source.path}", ""


def _folder_size(folder: Path) -> int:
    return sum(path.stat().st_size for path in folder.rglob("*") if path.is_file())
