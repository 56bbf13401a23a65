"""Choose an export format and a file; the path follows the format until the person edits it."""

from __future__ import annotations

from pathlib import Path
from typing import get_args

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, RadioButton, RadioSet, Static

from convscope.sessions.export import ExportFormat
from convscope.tui.dialogs.base import Dialog

FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
_LABELS = {"json": "JSON document", "jsonl": "JSONL turns", "md": "Markdown", "csv": "CSV metrics"}

ExportChoice = tuple[ExportFormat, Path]


class ExportDialog(Dialog[ExportChoice]):
    def __init__(self, session_id: str, folder: Path | None = None) -> None:
        super().__init__(f"Export session {session_id}")
        self._stem = session_id
        self._folder = folder or Path.cwd()
        self._format: ExportFormat = FORMATS[0]

    def _default_path(self, fmt: ExportFormat) -> str:
        return str(self._folder / f"{self._stem}.{fmt}")

    def body(self) -> ComposeResult:
        with RadioSet(id="export-format"):
            for fmt in FORMATS:
                label = f"{_LABELS.get(fmt, fmt)} (.{fmt})"
                yield RadioButton(label, value=fmt == self._format, name=fmt, id=f"format-{fmt}")
        yield Static("File:", markup=False)
        yield Input(self._default_path(self._format), id="export-path")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Export", id="export", variant="primary")
            yield Button("Cancel", id="cancel")

    @on(RadioSet.Changed)
    def _format_changed(self, event: RadioSet.Changed) -> None:
        fmt = next(f for f in FORMATS if f == event.pressed.name)
        path = self.query_one("#export-path", Input)
        if path.value == self._default_path(self._format):
            path.value = self._default_path(fmt)
        self._format = fmt

    @on(Input.Submitted)
    @on(Button.Pressed, "#export")
    def _export(self) -> None:
        raw = self.query_one("#export-path", Input).value.strip()
        if not raw:
            self.fail("a file name is needed")
            return
        path = Path(raw).expanduser()
        if not path.parent.is_dir():
            self.fail(f"no folder {path.parent}")
            return
        self.dismiss((self._format, path))

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
