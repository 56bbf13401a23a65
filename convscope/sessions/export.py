"""Sessions out to other tools: the full JSON document (loadable again), JSONL, a Markdown
transcript, and the metrics series as CSV.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, overload

from convscope.sessions.markdown import render_markdown
from convscope.sessions.schema import SessionDocument

ExportFormat = Literal["json", "jsonl", "md", "csv"]


@overload
def export_session(doc: SessionDocument, fmt: ExportFormat, out: None = None) -> str: ...
@overload
def export_session(doc: SessionDocument, fmt: ExportFormat, out: Path) -> None: ...
def export_session(doc: SessionDocument, fmt: ExportFormat, out: Path | None = None) -> str | None:
    """Render ``doc`` as ``fmt``; write it to ``out``, or return the text when ``out`` is None."""
    if fmt not in _RENDERERS:
        raise ValueError(f"unknown export format {fmt!r}: choose one of {', '.join(_RENDERERS)}")
    text = _RENDERERS[fmt](doc)
    if out is None:
        return text
    out.write_text(text, encoding="utf-8", newline="")
    return None


def _json(doc: SessionDocument) -> str:
    return doc.model_dump_json(indent=2) + "\n"


def _jsonl(doc: SessionDocument) -> str:
    """A header line (the document without turns, controls and metrics), then one turn per line."""
    header = doc.model_dump(mode="json", exclude={"turns", "controls", "metrics"})
    lines = [header, *(turn.model_dump(mode="json") for turn in doc.turns)]
    return "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)


def _csv(doc: SessionDocument) -> str:
    """turn_index, round, then one column per metric, in order of first appearance."""
    rows = [dict(flat_values(point.values)) for point in doc.metrics]
    columns = list(dict.fromkeys(key for row in rows for key in row))
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["turn_index", "round", *columns])
    for point, row in zip(doc.metrics, rows, strict=True):
        writer.writerow([point.turn_index, point.round, *(row.get(column) for column in columns)])
    return buffer.getvalue()


def flat_values(values: Mapping[str, Any], prefix: str = "") -> Iterator[tuple[str, Any]]:
    """A metrics point's values as ``(key, scalar)``: nested dicts become ``key.subkey``;
    lists and other non-scalars are left out. CSV columns and the long metrics table use it."""
    for key, value in values.items():
        if isinstance(value, Mapping):
            yield from flat_values(value, f"{prefix}{key}.")
        elif value is None or isinstance(value, str | int | float):
            yield f"{prefix}{key}", value


_RENDERERS: dict[str, Callable[[SessionDocument], str]] = {
    "json": _json,
    "jsonl": _jsonl,
    "md": render_markdown,
    "csv": _csv,
}
