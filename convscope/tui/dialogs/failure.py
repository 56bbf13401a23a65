"""Pick the failure mode to inject into an agent: a list of the common ones, or type one."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from convscope.core.providers.failures import parse_failure
from convscope.tui.dialogs.base import Dialog

COMMON_MODES: tuple[tuple[str, str], ...] = (
    ("decommissioned", "every call fails: the model was retired (permanent)"),
    ("transient:0.3", "30% of calls fail with a rate limit or overload (retried)"),
    ("timeout:30", "no answer for 30 s, then a timeout (retried)"),
    ("crash-after:1", "one more good answer, then a quota error (permanent)"),
    ("garbage", "answers with random characters"),
    ("silent", "answers with nothing"),
)


class FailureDialog(Dialog[str]):
    def __init__(self, nickname: str) -> None:
        super().__init__(f"Inject a failure into {nickname}")

    def body(self) -> ComposeResult:
        yield OptionList(
            *(Option(f"{mode:<16} {help_text}", id=mode) for mode, help_text in COMMON_MODES),
            id="failure-modes",
        )
        yield Static("or type a mode (e.g. transient:0.5, crash-after:3):", markup=False)
        yield Input(placeholder="mode", id="failure-custom")

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        try:
            self.dismiss(str(parse_failure(event.value)))
        except ValueError as exc:
            self.fail(str(exc))
