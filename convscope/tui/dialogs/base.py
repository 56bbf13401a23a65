"""What every dialog shares: a framed box, a title, escape to cancel, inline errors."""

from __future__ import annotations

from typing import ClassVar, TypeVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Static

T = TypeVar("T")


class Dialog(ModalScreen[T | None]):
    """Subclasses yield their fields from ``body()``; ``fail()`` shows a one-line error."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str) -> None:
        super().__init__(classes="dialog-screen")
        self._title = title
        self._error = Static("", classes="dialog-error", markup=False)

    def compose(self) -> ComposeResult:
        with Vertical(classes="dialog") as box:
            box.border_title = Content(self._title)
            yield from self.body()
            yield self._error

    def body(self) -> ComposeResult:
        raise NotImplementedError

    def fail(self, message: str) -> None:
        self._error.update(message)
        self._error.display = bool(message)

    def on_mount(self) -> None:
        self._error.display = False

    def action_cancel(self) -> None:
        self.dismiss(None)
