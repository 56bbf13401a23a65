"""One agent's pane: who it is, what it is doing, how fast, and its words as they arrive."""

from __future__ import annotations

import time
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.widgets import Static

from convscope.core.records import Turn
from convscope.core.text import terminal_safe

PaneState = Literal["waiting", "thinking", "streaming", "failed", "paused", "done"]

_STATE_STYLE: dict[str, str] = {
    "waiting": "$text-muted",
    "thinking": "bold $warning",
    "streaming": "bold $success",
    "failed": "bold $error",
    "paused": "bold $secondary",
    "done": "$text-muted",
}


def turn_rate(tokens: int | None, seconds: float) -> float | None:
    return tokens / seconds if tokens and seconds > 0 else None


class AgentPane(Vertical, can_focus=True):
    """Shows the agent's current (or last) turn. Text is drawn literally, never as markup."""

    def __init__(self, agent_id: str, nickname: str, model: str, failure: str | None) -> None:
        super().__init__(id=f"pane-{agent_id}", classes="agent-pane")
        self.agent_id = agent_id
        self.nickname = nickname
        self.model = model
        self.failure = failure
        self.state: PaneState = "waiting"
        self.paused = False
        self.turn_index: int | None = None
        self.round: int | None = None
        self.tokens: int | None = None  # unknown for a replayed turn without usage data
        self.rate: float | None = None
        self.ended = False
        self.retries = 0
        self._parts: list[str] = []
        self._error: str | None = None
        self._started = 0.0
        self._meta = Static(classes="pane-meta", markup=False)
        self._body = Static(classes="pane-text", markup=False)

    def compose(self) -> ComposeResult:
        yield self._meta
        with VerticalScroll(classes="pane-scroll"):
            yield self._body

    def on_mount(self) -> None:
        self._draw_frame()
        self._draw_meta()
        self._draw_body()

    @property
    def text(self) -> str:
        """Everything streamed in the current turn, as received (before sanitising)."""
        return "".join(self._parts)

    # -- live updates

    def begin_turn(self, turn_index: int, round_index: int, nickname: str) -> None:
        self.turn_index, self.round, self.nickname = turn_index, round_index, nickname
        self.state, self.tokens, self.rate, self.retries = "thinking", None, None, 0
        self._parts, self._error, self._started = [], None, time.monotonic()
        self.set_class(True, "-speaking")
        self.set_class(False, "-failed")
        self._redraw()

    def append(self, text: str, deltas: int) -> None:
        self._parts.append(text)
        self.tokens = (self.tokens or 0) + deltas
        self.state = "streaming"
        self.rate = turn_rate(self.tokens, time.monotonic() - self._started)
        self._draw_meta()
        self._draw_body()

    def restart(self, attempt: int) -> None:
        """A retry discarded the partial answer."""
        self._parts, self.tokens, self.retries, self.state = [], None, attempt, "thinking"
        self._draw_meta()
        self._draw_body()

    def finish(self, turn: Turn) -> None:
        """The turn is over: show it as recorded (the engine's text is the reference)."""
        self.show_turn(turn, deltas=self.tokens)

    def show_turn(self, turn: Turn | None, *, deltas: int | None = None, speaking: bool = False) -> None:
        """Draw a recorded turn (replay, resume), or an agent that has not spoken yet."""
        self.set_class(speaking, "-speaking")
        if turn is None:
            self.turn_index = self.round = None
            self._parts, self._error, self.tokens, self.rate = [], None, None, None
            self.state = "waiting"
        else:
            self.turn_index, self.round, self.nickname = turn.index, turn.round, turn.nickname
            self._parts, self._error = [turn.text], turn.error
            self.tokens = turn.completion_tokens or deltas
            self.rate = turn_rate(self.tokens, turn.ended_at - turn.started_at)
            self.retries = turn.retries
            self.state = "failed" if turn.failed else "waiting"
        self.set_class(self.state == "failed", "-failed")
        self._redraw()

    def set_nickname(self, nickname: str) -> None:
        self.nickname = nickname
        self._draw_frame()

    def set_failure(self, failure: str | None) -> None:
        self.failure = failure
        self._draw_frame()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        self._draw_meta()

    def set_ended(self) -> None:
        self.ended, self.paused = True, False
        self._draw_meta()

    # -- drawing

    @property
    def shown_state(self) -> PaneState:
        if self.state == "waiting" and (self.ended or self.paused):
            return "done" if self.ended else "paused"
        return self.state

    def _redraw(self) -> None:
        self._draw_frame()
        self._draw_meta()
        self._draw_body()

    def _draw_frame(self) -> None:
        self.border_title = Content(terminal_safe(self.nickname))
        self.border_subtitle = Content(f"⚠ {terminal_safe(self.failure)}" if self.failure else "")

    def _draw_meta(self) -> None:
        state = self.shown_state
        stats = []
        if self.tokens is not None:
            stats.append(f"{self.tokens} tok")
        if self.rate is not None:
            stats.append(f"{self.rate:.1f} tok/s")
        if self.retries:
            stats.append(f"retry {self.retries}")
        if self.turn_index is not None:
            stats.append(f"turn #{self.turn_index}")
        self._meta.update(
            Content.assemble(
                (state, _STATE_STYLE[state]),
                "  ",
                (terminal_safe(self.model), "$text-muted"),
                "\n",
                (" · ".join(stats), "$text-muted"),
            )
        )

    def _draw_body(self) -> None:
        if self._error is not None:
            self._body.update(Content.assemble((f"⚠ {terminal_safe(self._error)}", "bold $error")))
        else:
            self._body.update(Content(terminal_safe(self.text)))
        scroll = self._body.parent
        if isinstance(scroll, VerticalScroll):
            scroll.scroll_end(animate=False, immediate=False)
