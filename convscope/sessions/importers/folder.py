"""Importing a whole folder of transcripts into the store, idempotently.

An imported session's id is derived from its source file (name and SHA-256), so importing
the same file again replaces the session instead of adding a second copy; files the
importer cannot read are listed with the reason, never skipped in silence.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from convscope.sessions.importers.base import Importer, ImportFormatError, ImportResult
from convscope.sessions.store import SessionStore


@dataclass(frozen=True)
class ImportedFile:
    path: Path
    session_id: str
    group: str
    replaced: bool  # a session from the same file was already in the store
    result: ImportResult


@dataclass
class FolderImport:
    imported: list[ImportedFile] = field(default_factory=list)
    skipped: list[tuple[Path, str]] = field(default_factory=list)  # files not imported, and why

    def counts(self) -> dict[str, int]:
        """Sessions per group (e.g. War Room series), in group order."""
        counter = Counter(item.group for item in self.imported)
        return dict(sorted(counter.items()))


def import_file(importer: Importer, path: Path, store: SessionStore) -> ImportedFile:
    """Read one file and save its session, replacing an earlier import of the same file."""
    result = importer.read(path)
    document = result.document
    replaced = (store.root / document.id).is_dir()
    if replaced:
        store.delete(document.id)
    store.save_document(document)
    return ImportedFile(path, document.id, importer.group(document), replaced, result)


def import_folder(importer: Importer, folder: Path, store: SessionStore) -> FolderImport:
    """Every file under ``folder`` (recursively, in name order) that ``importer`` can read."""
    if not folder.is_dir():
        raise FileNotFoundError(f"no folder {folder}")
    outcome = FolderImport()
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        if not importer.can_read(path):
            outcome.skipped.append((path, f"not a {importer.name} file"))
            continue
        try:
            outcome.imported.append(import_file(importer, path, store))
        except ImportFormatError as exc:
            outcome.skipped.append((path, str(exc)))
    return outcome


def render_import(outcome: FolderImport, store: SessionStore) -> str:
    """The per-group counts, then every unmapped message, note and skipped file."""
    lines = [f"{'group':<8} sessions"]
    lines += [f"{group:<8} {count:>8}" for group, count in outcome.counts().items()]
    replaced = sum(item.replaced for item in outcome.imported)
    lines.append(f"{'total':<8} {len(outcome.imported):>8}  ({replaced} replaced) in {store.root}")
    for item in outcome.imported:
        lines += [f"unmapped {item.path.name}: {line}" for line in item.result.unmapped]
        lines += [f"note {item.path.name}: {line}" for line in item.result.notes]
    lines += [f"skipped {path}: {reason}" for path, reason in outcome.skipped]
    return "\n".join(lines) + "\n"
