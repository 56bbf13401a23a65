"""A yes / no question (quit while a turn is in flight, delete a session)."""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.widgets import Button, Static

from convscope.tui.dialogs.base import Dialog


class ConfirmDialog(Dialog[bool]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("y", "answer(True)", "Yes"),
        Binding("n", "answer(False)", "No"),
    ]

    def __init__(self, title: str, question: str, yes: str = "Yes") -> None:
        super().__init__(title)
        self._question = question
        self._yes = yes

    def body(self) -> ComposeResult:
        yield Static(self._question, markup=False)
        with Horizontal(classes="dialog-buttons"):
            yield Button(f"{self._yes} (y)", id="yes", variant="error")
            yield Button("Cancel (n)", id="no")

    def on_mount(self) -> None:
        super().on_mount()
        self.query_one("#no", Button).focus()

    def action_answer(self, answer: bool) -> None:
        self.dismiss(answer)

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")
