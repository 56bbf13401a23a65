"""One agent's pane: who it is, what it is doing, how fast, and its words as they arrive."""

from __future__ import annotations

import time
from typing import Literal

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

from convscope.core.human import INTERRUPTED
from convscope.core.providers.retry import gave_up_note
from convscope.core.records import Turn
from convscope.core.text import terminal_safe
from convscope.tui.widgets.stream_text import StreamText

PaneState = Literal["waiting", "thinking", "streaming", "speaking", "failed", "paused", "done"]

_STATE_STYLE: dict[str, str] = {
    "waiting": "$text-muted",
    "thinking": "bold $warning",
    "streaming": "bold $success",
    "speaking": "bold $success",  # replay: the agent whose turn is shown
    "failed": "bold $error",
    "paused": "bold $secondary",
    "done": "$text-muted",
}


META_INTERVAL_S = 0.25  # tokens and tok/s are redrawn 4 times a second while streaming, not 25


MIN_RATE_SPAN_S = 0.5  # a rate over less time is noise (a scripted reply arrives in microseconds)


def turn_rate(tokens: int | None, seconds: float) -> float | None:
    """Tokens per second, or None until the turn has run long enough for it to mean something."""
    return tokens / seconds if tokens and seconds >= MIN_RATE_SPAN_S else None


def fit_where(model: str, host: str, width: int) -> str:
    """``model @ host:port`` in ``width`` cells: the host is never cut (which agent points at
    the dead server?); the model loses its head first (sizes and versions are at its end)."""
    full = f"{model} @ {host}"
    if len(full) <= width:
        return full
    room = width - len(host) - len(" @ ")
    if room >= 2:
        return f"…{model[len(model) - room + 1 :]} @ {host}"
    return host


class AgentPane(Vertical, can_focus=True):
    """Shows the agent's current (or last) turn. Text is drawn literally, never as markup."""

    def __init__(
        self, agent_id: str, nickname: str, where: tuple[str, str | None], failure: str | None
    ) -> None:
        """``where``: the model (or spec) and, for an HTTP backend, its host:port (registry.where)."""
        super().__init__(id=f"pane-{agent_id}", classes="agent-pane")
        self.agent_id = agent_id
        self.nickname = nickname
        self.model, self.host = where
        self.failure = failure
        self.state: PaneState = "waiting"
        self.paused = False
        self.turn_index: int | None = None
        self.round: int | None = None
        self.tokens: int | None = None  # unknown for a replayed turn without usage data
        self.rate: float | None = None
        self.ended = False
        self.speaking = False  # drawn in the meta line: a class or title change repaints the whole pane
        self._frame: tuple[str, str] | None = None
        self._meta_drawn = 0.0
        self.retries = 0
        self._parts: list[str] = []
        self._error: str | None = None
        self._interrupted = False
        self._heard: list[str] = []  # the people's messages to this agent since its turn, as lines
        self._gave_up: str | None = None  # how much retrying a failed turn cost, for the person
        self._started = 0.0
        self._meta = Static(classes="pane-meta", markup=False)
        self.body = StreamText(classes="pane-text")

    def compose(self) -> ComposeResult:
        yield self._meta
        yield self.body

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
        self._parts, self._error, self._gave_up, self._started = [], None, None, time.monotonic()
        self._interrupted, self._heard = False, []
        self.speaking = True
        self.set_class(False, "-failed")
        self._redraw()

    def append(self, text: str, deltas: int) -> None:
        self._parts.append(text)
        self.tokens = (self.tokens or 0) + deltas
        now = time.monotonic()
        self.rate = turn_rate(self.tokens, now - self._started)
        if self.state != "streaming" or now - self._meta_drawn >= META_INTERVAL_S:
            self.state = "streaming"
            self._draw_meta()
        self._draw_body()

    def restart(self, attempt: int) -> None:
        """A retry discarded the partial answer."""
        self._parts, self.tokens, self.retries, self.state = [], None, attempt, "thinking"
        self._draw_meta()
        self._draw_body()

    def finish(self, turn: Turn) -> None:
        """The turn is over: show it as recorded (the engine's text is the reference)."""
        self.show_turn(turn, deltas=self.tokens, heard=tuple(self._heard))

    def hear(self, line: str) -> None:
        """A person's message to this agent (``Moderator: ...``), shown below its last words
        until it next speaks."""
        self._heard.append(line)
        self._draw_body()

    def show_turn(
        self,
        turn: Turn | None,
        *,
        deltas: int | None = None,
        speaking: bool = False,
        heard: tuple[str, ...] = (),
    ) -> None:
        """Draw a recorded turn (replay, resume), or an agent that has not spoken yet, and the
        people's messages to it ``heard`` since."""
        self.speaking = speaking
        self._heard = list(heard)
        self._interrupted = turn is not None and turn.interrupted
        if turn is None:
            self.turn_index = self.round = self._gave_up = None
            self._parts, self._error, self.tokens, self.rate = [], None, None, None
            self.state = "waiting"
        else:
            self.turn_index, self.round, self.nickname = turn.index, turn.round, turn.nickname
            said = not turn.failed or turn.cut_by is not None  # a cut turn keeps what it had said
            self._parts, self._error = [turn.text] if said else [], turn.error
            self.tokens = turn.completion_tokens or deltas
            self.rate = turn_rate(self.tokens, turn.ended_at - turn.started_at)
            self.retries = turn.retries
            seconds = turn.ended_at - turn.started_at
            self._gave_up = gave_up_note(turn.retries, seconds) if turn.failed and turn.retries else None
            self.state = "failed" if turn.failed else "speaking" if speaking else "waiting"
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

    def on_resize(self) -> None:
        if self.host is not None:  # the header is fitted to the width
            self._draw_meta()

    def _redraw(self) -> None:
        self._draw_frame()
        self._draw_meta()
        self._draw_body()

    def _draw_frame(self) -> None:
        """Only when the name or the failure mode changed: a new title repaints the whole pane."""
        frame = (terminal_safe(self.nickname), f"⚠ {terminal_safe(self.failure)}" if self.failure else "")
        if frame != self._frame:
            self._frame = frame
            self.border_title = Content(frame[0])
            self.border_subtitle = Content(frame[1])

    def _draw_meta(self) -> None:
        state = self.shown_state
        stats = []
        if self.tokens is not None:
            stats.append(f"{self.tokens} tok")
        if self.rate is not None:
            stats.append(f"{self.rate:.1f} tok/s")
        if self._gave_up:
            stats.append(self._gave_up)
        elif self.retries:
            stats.append(f"retry {self.retries}")
        if self.turn_index is not None:
            stats.append(f"turn #{self.turn_index}")
        self._meta_drawn = time.monotonic()
        badge = (f" ▶ {state} ", "bold reverse $accent") if self.speaking else (state, _STATE_STYLE[state])
        lines = [
            (badge, "  ", (terminal_safe(self.model), "$text-muted")),
            ((" · ".join(stats), "$text-muted"),),
        ]
        if self.host is not None:
            width = self._meta.content_region.width or 80
            model, host = terminal_safe(self.model), terminal_safe(self.host)
            beside = width - len(badge[0]) - 2
            if len(model) + len(host) + 3 <= beside:
                lines[0] = (badge, "  ", (f"{model} @ {host}", "$text-muted"))
            else:  # too narrow for both on one line: the model and server first, the state below
                lines = [((fit_where(model, host, width), "$text-muted"),), (badge, "  ", *lines[1])]
        self._meta.update(layout=False, content=Content.assemble(*lines[0], "\n", *lines[1]))

    def _draw_body(self) -> None:
        """The text, or the error; a turn cut by a time limit has both; an interrupted turn is
        marked; the people's messages to the agent since follow."""
        failed = self._error is not None
        self.body.set_class(failed, "-error")
        error = f"⚠ {terminal_safe(self._error or '')}"
        text = terminal_safe(self.text)
        shown = (f"{text}\n{error}" if text.strip() else error) if failed else text
        if self._interrupted:
            shown = f"{shown} [{INTERRUPTED}]" if shown.strip() else f"[{INTERRUPTED}]"
        heard = "\n".join(f"✉ {terminal_safe(line)}" for line in self._heard)
        self.body.show(f"{shown}\n\n{heard}" if heard and shown else heard or shown)
