"""Edit the loop-detection thresholds; the tracker re-reads the whole history with them."""

from __future__ import annotations

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label

from convscope.core.metrics.loops import LoopThresholds, thresholds_from
from convscope.tui.dialogs.base import Dialog

_FIELDS = (
    ("bleu", "BLEU distance ≤"),
    ("jaccard", "Jaccard distance ≤"),
    ("coherence_change", "coherence change ≤"),
    ("cosine", "cosine distance ≤"),
    ("min_steps", "consecutive steps ≥"),
)


class ThresholdsDialog(Dialog[LoopThresholds]):
    def __init__(self, current: LoopThresholds) -> None:
        super().__init__("Loop thresholds")
        self._current = current

    def body(self) -> ComposeResult:
        for name, label in _FIELDS:
            with Horizontal(classes="form-row"):
                yield Label(label, classes="form-label threshold-label")
                yield Input(f"{getattr(self._current, name):g}", id=f"threshold-{name}")
        with Horizontal(classes="dialog-buttons"):
            yield Button("Apply", id="apply", variant="primary")
            yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#apply")
    def _apply(self) -> None:
        values: dict[str, float | int] = {}
        for name, label in _FIELDS:
            text = self.query_one(f"#threshold-{name}", Input).value.strip()
            try:
                values[name] = int(text) if name == "min_steps" else float(text)
            except ValueError:
                self.fail(f"{label} needs a {'whole ' if name == 'min_steps' else ''}number, not {text!r}")
                return
        try:
            self.dismiss(thresholds_from(values, self._current))
        except ValidationError as exc:
            first = exc.errors()[0]
            self.fail(f"{first['loc'][0]}: {first['msg']}")

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)
