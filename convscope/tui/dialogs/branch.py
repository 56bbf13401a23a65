"""Ask what a branch changes (and, from the home screen, at which turn it starts).

The fields take the command line's words (``b=Zed``, ``c=decommissioned``, ``none`` clears
a failure) and are checked by the same code as ``convscope fork`` before the dialog closes.
"""

from __future__ import annotations

import shlex
from dataclasses import dataclass

from textual import on
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Label, Static

from convscope.core.config import SessionConfig
from convscope.core.errors import ConvscopeError
from convscope.runtime.fork import BranchChanges
from convscope.tui.dialogs.base import Dialog


class BranchFieldError(ConvscopeError):
    """A field of the branch dialog that does not read."""


@dataclass(frozen=True)
class BranchRequest:
    at_turn: int | None  # None: where the caller said (the replay cursor, the live boundary)
    changes: BranchChanges


class BranchDialog(Dialog[BranchRequest]):
    def __init__(self, config: SessionConfig, *, where: str, turns: int | None = None) -> None:
        """``where`` says where the branch starts; with ``turns`` the turn is asked for (0 to ``turns``)."""
        super().__init__(f"Branch {where}")
        self._config = config
        self._turns = turns

    def body(self) -> ComposeResult:
        agents = ", ".join(f"{agent.id} ({agent.nickname})" for agent in self._config.agents)
        yield Static(f"Agents: {agents}", markup=False)
        if self._turns is not None:
            yield from _row("at turn", Input(str(self._turns), id="branch-turn"))
        yield from _row("rename", Input(placeholder="id=name ...", id="branch-rename"))
        yield from _row("fail", Input(placeholder="id=decommissioned ... (none clears)", id="branch-fail"))
        yield from _row("rounds", Input(str(self._config.rounds), id="branch-rounds"))
        with Horizontal(classes="dialog-buttons"):
            yield Button("Branch", id="branch", variant="primary")
            yield Button("Cancel", id="cancel")

    @on(Input.Submitted)
    @on(Button.Pressed, "#branch")
    def _branch(self) -> None:
        try:
            request = self._request()
        except ConvscopeError as exc:
            self.fail(str(exc))
            return
        except ValueError as exc:  # shlex: an unclosed quote
            self.fail(f"cannot read the fields: {exc}")
            return
        self.dismiss(request)

    @on(Button.Pressed, "#cancel")
    def _cancel(self) -> None:
        self.dismiss(None)

    def _request(self) -> BranchRequest:
        at_turn = None
        if self._turns is not None:
            text = self._value("branch-turn")
            if not text.isdigit() or int(text) > self._turns:
                raise BranchFieldError(f"the branch turn is a number from 0 to {self._turns}")
            at_turn = int(text)
        rounds = self._value("branch-rounds")
        if not rounds.isdigit():
            raise BranchFieldError("rounds is a whole number")
        changes = BranchChanges.parse(
            renames=shlex.split(self._value("branch-rename")),
            failures=shlex.split(self._value("branch-fail")),
            rounds=None if int(rounds) == self._config.rounds else int(rounds),
        )
        changes.config_for(self._config)  # the same checks as the command line, before closing
        return BranchRequest(at_turn, changes)

    def _value(self, field: str) -> str:
        return self.query_one(f"#{field}", Input).value.strip()


def _row(label: str, field: Input) -> ComposeResult:
    with Horizontal(classes="form-row"):
        yield Label(label, classes="form-label")
        yield field
