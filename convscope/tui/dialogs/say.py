"""Speak into the conversation: a message (``@name`` first to address one agent) under a
nickname the person chooses, remembered for next time."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.widgets import Input, Static

from convscope.core.human import Message, read_message
from convscope.tui.dialogs.base import Dialog

NICKNAME_MAX = 40


@dataclass(frozen=True)
class Said:
    speaker: str
    message: Message


class SayDialog(Dialog[Said]):
    AUTO_FOCUS = "#say-text"  # what a person types is the message; the nickname is kept

    def __init__(self, nickname: str, names: Mapping[str, str]) -> None:
        super().__init__("Speak into the conversation")
        self._nickname = nickname
        self._names = dict(names)

    def body(self) -> ComposeResult:
        yield Static("As:", markup=False)
        yield Input(self._nickname, id="say-speaker")
        yield Static("Message (@name first to address one agent):", markup=False)
        yield Input(placeholder="e.g. @Agent-B please converge", id="say-text")

    @on(Input.Submitted, "#say-speaker")
    def _speaker_given(self) -> None:
        self.query_one("#say-text", Input).focus()

    @on(Input.Submitted, "#say-text")
    def _submitted(self, event: Input.Submitted) -> None:
        speaker = self.query_one("#say-speaker", Input).value.strip()
        if not speaker or len(speaker) > NICKNAME_MAX:
            self.fail(f"a nickname of 1 to {NICKNAME_MAX} characters is needed")
            return
        try:
            message = read_message(event.value, self._names)
        except ValueError as exc:
            self.fail(str(exc))
            return
        self.dismiss(Said(speaker, message))
