"""External corpora in, convscope sessions out: one importer per format, found by name."""

from __future__ import annotations

from convscope.core.errors import UserError
from convscope.sessions.importers.base import Importer, ImportFormatError, ImportResult
from convscope.sessions.importers.warroom import WarRoomImporter

__all__ = ["IMPORTERS", "ImportFormatError", "ImportResult", "Importer", "importer"]

IMPORTERS: dict[str, Importer] = {importer.name: importer for importer in (WarRoomImporter(),)}


def importer(name: str) -> Importer:
    try:
        return IMPORTERS[name]
    except KeyError:
        raise UserError(f"no importer {name!r}: choose one of {', '.join(sorted(IMPORTERS))}") from None
