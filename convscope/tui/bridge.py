"""The seam between the headless engine and the Textual screen that shows it.

The bridge is an engine observer (events out) that may be called from any thread: it
only appends the event to a queue. A timer on the screen drains the queue 25 times a
second and posts Textual messages in the engine's order, so the screen is redrawn at
most 25 times a second however fast the agents stream: consecutive token deltas of
one agent become one ``TokensFlushed``, and all the metrics updates of a drain become
one ``MetricsChanged`` carrying the whole board (a newer one replaces an unread older
one). Nothing here touches a widget.
"""

from __future__ import annotations

from collections import deque

from textual.message import Message
from textual.message_pump import MessagePump
from textual.timer import Timer

from convscope.core.events import Event, MetricsUpdated, TokenDelta
from convscope.tui.messages import EngineEvent, MetricsChanged, TokensFlushed
from convscope.tui.metrics_board import MetricsBoard

FLUSH_HZ = 25.0


class _Batch:
    """Consecutive deltas of one agent's turn, joined at the end of the drain."""

    def __init__(self, turn_index: int, agent_id: str) -> None:
        self.turn_index = turn_index
        self.agent_id = agent_id
        self.parts: list[str] = []

    def message(self) -> TokensFlushed:
        return TokensFlushed(self.turn_index, self.agent_id, "".join(self.parts), len(self.parts))


class EngineBridge:
    """``engine.subscribe(bridge)``, then ``bridge.start()`` from the mounted target."""

    def __init__(self, target: MessagePump, board: MetricsBoard | None = None) -> None:
        self._target = target
        self._events: deque[Event] = deque()  # append/popleft are atomic: no lock needed
        self._timer: Timer | None = None
        self.board = board or MetricsBoard()

    def __call__(self, event: Event) -> None:
        self._events.append(event)

    def start(self) -> None:
        self._timer = self._target.set_interval(1 / FLUSH_HZ, self.flush, name="engine-bridge")

    def stop(self) -> None:
        """Stop posting (the target is going away); events still queued are dropped."""
        if self._timer is not None:
            self._timer.stop()
            self._timer = None

    def flush(self) -> None:
        """Post everything that happened since the last flush, in order."""
        out: list[Message | _Batch] = []
        open_batches: dict[str, _Batch] = {}
        metrics_changed = False
        while self._events:
            event = self._events.popleft()
            if isinstance(event, TokenDelta):
                batch = open_batches.get(event.agent_id)
                if batch is None or batch.turn_index != event.turn_index:
                    batch = open_batches[event.agent_id] = _Batch(event.turn_index, event.agent_id)
                    out.append(batch)
                batch.parts.append(event.text)
            elif isinstance(event, MetricsUpdated):
                self.board.absorb(event)
                metrics_changed = True
            else:
                open_batches.clear()  # later deltas must not jump ahead of this event
                out.append(EngineEvent(event))
        for item in out:
            self._target.post_message(item.message() if isinstance(item, _Batch) else item)
        if metrics_changed:
            self._target.post_message(MetricsChanged(self.board.snapshot()))
