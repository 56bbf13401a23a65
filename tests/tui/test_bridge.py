"""The bridge: engine events become messages in engine order, tokens batched, metrics folded."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from convscope.core.events import (
    MetricsUpdated,
    RoundCompleted,
    TokenDelta,
    TurnCompleted,
    TurnStarted,
)
from convscope.core.records import Turn
from convscope.tui.bridge import EngineBridge
from convscope.tui.messages import EngineEvent, MetricsChanged, TokensFlushed

from .support import until


class Recorder(Screen[None]):
    """A screen that keeps every message the bridge posts to it."""

    def __init__(self) -> None:
        super().__init__()
        self.received: list[Message] = []

    def compose(self) -> ComposeResult:
        yield Static("recording")

    def on_tokens_flushed(self, message: TokensFlushed) -> None:
        self.received.append(message)

    def on_engine_event(self, message: EngineEvent) -> None:
        self.received.append(message)

    def on_metrics_changed(self, message: MetricsChanged) -> None:
        self.received.append(message)


class RecorderApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.recorder = Recorder()

    def on_mount(self) -> None:
        self.push_screen(self.recorder)


def turn(index: int, agent: str, text: str) -> Turn:
    return Turn(
        index=index,
        round=0,
        agent_id=agent,
        nickname=agent,
        model="scripted:echo",
        text=text,
        started_at=0.0,
        ended_at=1.0,
    )


def describe(message: Message) -> tuple[str, ...]:
    if isinstance(message, TokensFlushed):
        return ("tokens", message.agent_id, message.text, str(message.deltas))
    if isinstance(message, EngineEvent):
        return ("event", type(message.event).__name__)
    assert isinstance(message, MetricsChanged)
    return ("metrics",)


async def test_deltas_of_one_turn_become_one_message_and_keep_their_place_among_events() -> None:
    app = RecorderApp()
    async with app.run_test() as pilot:
        bridge = EngineBridge(app.recorder)
        bridge(TurnStarted(0, 0, "a", "A", "scripted:echo"))
        for word in ("Hello", " there", ",", " friend"):
            bridge(TokenDelta(0, "a", word))
        bridge(TurnCompleted(turn(0, "a", "Hello there, friend")))
        bridge(TurnStarted(1, 0, "b", "B", "scripted:echo"))
        bridge(TokenDelta(1, "b", "Hi"))
        bridge.flush()
        await pilot.pause()
        assert [describe(m) for m in app.recorder.received] == [
            ("event", "TurnStarted"),
            ("tokens", "a", "Hello there, friend", "4"),
            ("event", "TurnCompleted"),
            ("event", "TurnStarted"),
            ("tokens", "b", "Hi", "1"),
        ]


async def test_simultaneous_agents_get_one_batch_each() -> None:
    app = RecorderApp()
    async with app.run_test() as pilot:
        bridge = EngineBridge(app.recorder)
        for index, agent in enumerate("abc"):
            bridge(TurnStarted(index, 0, agent, agent, "scripted:echo"))
        for word in ("one ", "two ", "three"):
            for index, agent in enumerate("abc"):
                bridge(TokenDelta(index, agent, f"{agent}:{word}"))
        bridge.flush()
        await pilot.pause()
        batches = [describe(m) for m in app.recorder.received if isinstance(m, TokensFlushed)]
        assert batches == [("tokens", a, f"{a}:one {a}:two {a}:three", "3") for a in "abc"]


async def test_metrics_updates_fold_into_one_board_where_the_latest_value_wins() -> None:
    app = RecorderApp()
    async with app.run_test() as pilot:
        bridge = EngineBridge(app.recorder)
        bridge(MetricsUpdated(0, 0, {"confidence.a": 0.1, "rouge1": None}))
        bridge(MetricsUpdated(1, 0, {"confidence.b": 0.3, "rouge1": 0.5}))
        bridge(RoundCompleted(0))
        bridge(MetricsUpdated(1, 0, {"rouge1": 0.4}))
        bridge.flush()
        await pilot.pause()
        boards = [m.board for m in app.recorder.received if isinstance(m, MetricsChanged)]
        assert len(boards) == 1
        assert boards[0].latest == {"confidence.a": 0.1, "confidence.b": 0.3, "rouge1": 0.4}
        assert boards[0].series("rouge1") == [0.4]


async def test_a_newer_metrics_message_replaces_an_unread_older_one() -> None:
    from convscope.tui.metrics_board import MetricsBoard

    older, newer = MetricsChanged(MetricsBoard()), MetricsChanged(MetricsBoard())
    assert newer.can_replace(older)
    assert not newer.can_replace(TokensFlushed(0, "a", "x", 1))


async def test_the_timer_flushes_without_being_asked() -> None:
    app = RecorderApp()
    async with app.run_test() as pilot:
        bridge = EngineBridge(app.recorder)
        bridge.start()
        bridge(TokenDelta(0, "a", "tick"))
        await until(pilot, lambda: bool(app.recorder.received))
        assert [describe(m) for m in app.recorder.received] == [("tokens", "a", "tick", "1")]
        bridge.stop()
