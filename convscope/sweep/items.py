"""Text items from a CSV or JSONL file, e.g. the comments a coding panel codes in a batch."""

from __future__ import annotations

import csv
import json
from pathlib import Path


def read_items(path: Path, field: str, id_field: str | None = None) -> list[tuple[str, str]]:
    """(label, text) per row: the label is ``id_field``'s value, else the row number from 0.

    CSV needs a header row; JSONL holds one object per line (blank lines are skipped).
    """
    try:
        if path.suffix.lower() == ".csv":
            with path.open(encoding="utf-8", newline="") as handle:
                rows = list(csv.DictReader(handle))
        elif path.suffix.lower() in (".jsonl", ".ndjson"):
            lines = path.read_text(encoding="utf-8").splitlines()
            rows = [json.loads(line) for line in lines if line.strip()]
        else:
            raise ValueError(f"{path}: items come from a .csv or .jsonl file")
    except OSError as error:
        raise ValueError(f"cannot read items from {path}: {error.strerror or error}") from None
    except json.JSONDecodeError as error:
        raise ValueError(f"{path}: not JSON lines ({error.msg} at line {error.lineno})") from None
    items = []
    for number, row in enumerate(rows):
        if not isinstance(row, dict) or not isinstance(row.get(field), str) or not row[field].strip():
            raise ValueError(f"{path}: row {number} has no text in field {field!r}")
        label = str(row.get(id_field, number)) if id_field else str(number)
        items.append((label, row[field]))
    if not items:
        raise ValueError(f"{path}: no items")
    return items
