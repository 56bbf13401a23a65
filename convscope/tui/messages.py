"""The Textual messages the engine bridge posts to a session screen."""

from __future__ import annotations

from textual.message import Message

from convscope.core.events import Event
from convscope.tui.metrics_board import MetricsBoard


class EngineEvent(Message, bubble=False):
    """Any engine event but a token delta or a metrics update, delivered in engine order."""

    def __init__(self, event: Event) -> None:
        super().__init__()
        self.event = event


class TokensFlushed(Message, bubble=False):
    """The token deltas one agent produced since the last flush, joined."""

    def __init__(self, turn_index: int, agent_id: str, text: str, deltas: int) -> None:
        super().__init__()
        self.turn_index = turn_index
        self.agent_id = agent_id
        self.text = text
        self.deltas = deltas


class MetricsChanged(Message, bubble=False):
    """Every metric seen so far; a newer one supersedes an unread older one."""

    def __init__(self, board: MetricsBoard) -> None:
        super().__init__()
        self.board = board

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, MetricsChanged)
