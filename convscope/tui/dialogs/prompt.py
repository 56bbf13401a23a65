"""One line of text, checked before the dialog closes (a nickname, a turn number)."""

from __future__ import annotations

from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from convscope.tui.dialogs.base import Dialog

Check = Callable[[str], str | None]
"""Returns an error message for a bad value, None for a good one."""


class PromptDialog(Dialog[str]):
    def __init__(self, title: str, label: str, value: str = "", check: Check | None = None) -> None:
        super().__init__(title)
        self._label = label
        self._value = value
        self._check = check

    def body(self) -> ComposeResult:
        yield Static(self._label, markup=False)
        yield Input(self._value, id="prompt-input", select_on_focus=True)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip()
        error = "a value is needed" if not value else self._check(value) if self._check else None
        if error:
            self.fail(error)
        else:
            self.dismiss(value)
