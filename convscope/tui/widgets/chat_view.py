"""The shared chat in speaking order, with the person's interventions as small system lines
and the person's messages as turns of their own."""

from __future__ import annotations

from collections.abc import Mapping

from textual.containers import VerticalScroll
from textual.content import Content
from textual.widgets import Static

from convscope.core.controls import describe
from convscope.core.human import INTERRUPTED, speaker_label
from convscope.core.records import ControlRecord, Turn
from convscope.core.text import terminal_safe


class ChatEntry(Static):
    """One turn of the chat; a turn in flight is redrawn as its tokens arrive, if the chat is shown.

    A growing entry makes Textual lay out the screen again, so a hidden chat only notes
    that it is behind and catches up when it is shown.
    """

    def __init__(self, turn_index: int, nickname: str) -> None:
        super().__init__(classes="chat-entry", markup=False)
        self.turn_index = turn_index
        self.nickname = nickname
        self._parts: list[str] = []
        self._error: str | None = None
        self._interrupted = False
        self.behind = True

    def on_mount(self) -> None:
        self._draw()

    def append(self, text: str) -> None:
        self._parts.append(text)
        self._changed()

    def restart(self) -> None:
        self._parts = []
        self._changed()

    def finish(self, turn: Turn, names: Mapping[str, str] | None = None) -> None:
        """Show the turn as recorded; ``names`` name the agent a person's message is addressed to."""
        self.nickname, self._parts, self._error = speaker_label(turn, names or {}), [turn.text], turn.error
        self._interrupted = turn.interrupted
        self.set_class(turn.failed, "-failed")
        self.set_class(turn.human, "-human")
        self._changed()

    def _changed(self) -> None:
        self.behind = True
        if isinstance(self.parent, ChatView) and self.parent.display:
            self._draw()

    def catch_up(self) -> None:
        if self.behind:
            self._draw()

    def _draw(self) -> None:
        self.behind = False
        name = (terminal_safe(self.nickname), "bold $accent")
        if self._error is not None:
            self.update(Content.assemble(name, ": ", (f"⚠ {terminal_safe(self._error)}", "bold $error")))
        else:
            text = terminal_safe("".join(self._parts))
            mark = (
                ((" " if text.strip() else "") + f"[{INTERRUPTED}]", "$text-muted")
                if self._interrupted
                else ""
            )
            self.update(Content.assemble(name, ": ", text, mark))


class SystemLine(Static):
    def __init__(self, text: str, turn_index: int) -> None:
        super().__init__(text, classes="chat-system", markup=False)
        self.turn_index = turn_index


class ChatView(VerticalScroll):
    """Live: entries are added as turns start. Replay: all are mounted, later ones hidden."""

    def __init__(self) -> None:
        super().__init__(id="chat-view")
        self._entries: dict[int, ChatEntry] = {}
        self._unmounted: list[Static] = []  # lines added while hidden: mounting lays out the screen

    def begin_turn(self, turn_index: int, nickname: str) -> ChatEntry:
        entry = self._entries[turn_index] = ChatEntry(turn_index, nickname)
        self._add(entry)
        return entry

    @property
    def items(self) -> list[ChatEntry | SystemLine]:
        """Every line of the chat in order, drawn or not yet mounted."""
        return [w for w in [*self.children, *self._unmounted] if isinstance(w, ChatEntry | SystemLine)]

    def entry(self, turn_index: int) -> ChatEntry | None:
        return self._entries.get(turn_index)

    def add_turn(self, turn: Turn, names: Mapping[str, str] | None = None) -> None:
        entry = self.begin_turn(turn.index, turn.nickname)
        entry.finish(turn, names)

    def add_system(self, text: str, turn_index: int) -> None:
        self._add(SystemLine(text, turn_index))

    def add_control(self, record: ControlRecord, names: Mapping[str, str]) -> None:
        """An intervention as a system line, e.g. ``· Agent-B renamed to Zed (before turn #3)``."""
        self.add_system(
            f"· {terminal_safe(describe(record, names))} (before turn #{record.turn_index})",
            record.turn_index,
        )

    def _add(self, line: Static) -> None:
        if not self.is_attached:
            return  # events still queued while the screen closes are dropped
        if self.display:
            self.mount(line)
            self._follow()
        else:
            self._unmounted.append(line)

    def catch_up(self) -> None:
        """Mount the lines added and draw the entries that changed while the chat was hidden."""
        if self._unmounted:
            self.mount_all(self._unmounted)
            self._unmounted = []
        for entry in self._entries.values():
            entry.catch_up()
        self._follow()

    def show_until(self, turn_index: int) -> None:
        """Replay: show turns up to ``turn_index`` and the interventions made before them."""
        for item in self.items:
            shown_until = turn_index if isinstance(item, ChatEntry) else turn_index + 1
            item.display = item.turn_index <= shown_until
        self._follow()

    def _follow(self) -> None:
        self.scroll_end(animate=False, immediate=False)
