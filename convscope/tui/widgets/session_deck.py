"""What live and replay both show: the agent panes (or the chat) beside the metrics sidebar.

Replay shows saved states (``show_state``); a live screen hands over each engine event it
is told of, and the deck draws it in the panes, the chat and the sidebar.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import ContentSwitcher

from convscope.core.config import SessionConfig
from convscope.core.controls import Roster, rosters
from convscope.core.events import StreamReset, TurnStarted
from convscope.core.human import speaker_label
from convscope.core.metrics.loops import LoopThresholds
from convscope.core.providers.registry import where
from convscope.core.records import ControlRecord, Turn
from convscope.tui.metrics_board import MetricsBoard
from convscope.tui.widgets.agent_pane import AgentPane
from convscope.tui.widgets.alarm_banner import AlarmBanner
from convscope.tui.widgets.chat_view import ChatView
from convscope.tui.widgets.metrics_sidebar import MetricsSidebar
from convscope.tui.widgets.pane_grid import PaneGrid


class SessionDeck(Horizontal):
    def __init__(
        self, config: SessionConfig, names: Mapping[str, str], failures: Mapping[str, str | None]
    ) -> None:
        super().__init__(id="deck")
        self.panes = {
            agent.id: AgentPane(agent.id, names[agent.id], where(agent), failures.get(agent.id))
            for agent in config.agents
        }
        self.grid = PaneGrid(list(self.panes.values()))
        self.chat = ChatView()
        self.banner = AlarmBanner()
        self.sidebar = MetricsSidebar({agent.id: names[agent.id] for agent in config.agents})
        self.config = config
        self.focused_agent = config.agents[0].id
        self._switcher = ContentSwitcher(initial=self.grid.id, id="deck-main")

    def compose(self) -> ComposeResult:
        with Vertical(id="deck-column"):
            yield self.banner
            with self._switcher:
                yield self.grid
                yield self.chat
        yield self.sidebar

    @property
    def showing_chat(self) -> bool:
        return self._switcher.current == self.chat.id

    def toggle_chat(self) -> None:
        showing_chat = not self.showing_chat
        self._switcher.current = self.chat.id if showing_chat else self.grid.id
        if showing_chat:
            self.chat.catch_up()
            self.chat.focus()
        else:
            self.panes[self.focused_agent].focus()

    def focus_agent(self, agent_id: str) -> None:
        self.focused_agent = agent_id
        if not self.showing_chat:
            self.panes[agent_id].focus()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        if isinstance(event.widget, AgentPane):
            self.focused_agent = event.widget.agent_id

    def load_record(self, turns: Sequence[Turn], controls: Sequence[ControlRecord]) -> None:
        """Fill the chat with a saved session: each intervention just before the turn it preceded."""
        pending = list(rosters(self.config, controls))
        names: Mapping[str, str] = Roster.initial(self.config).names
        for turn in [*turns, None]:
            while pending and (turn is None or pending[0][0].turn_index <= turn.index):
                record, roster = pending.pop(0)
                self.chat.add_control(record, roster.names)
                names = roster.names
            if turn is not None:
                self.chat.add_turn(turn, names)

    def show_roster(self, roster: Roster) -> None:
        """Names, failure modes, the paused mark and the last alarm as ``roster`` has them."""
        self.banner.show(roster.alarm)
        for agent_id, pane in self.panes.items():
            pane.set_failure(roster.failures.get(agent_id))
            pane.set_nickname(roster.names[agent_id])
            pane.set_paused(roster.paused)
            self.sidebar.names[agent_id] = roster.names[agent_id]
        self.sidebar.redraw()

    def show_position(self, roster: Roster, shown: Sequence[Turn], speaking: str | None = None) -> None:
        """Panes as they were once the turns ``shown`` were over: each agent's last turn, and ``roster``."""
        last_turns = {turn.agent_id: turn for turn in shown}
        for agent_id, pane in self.panes.items():
            last = last_turns.get(agent_id)
            heard = tuple(
                _heard_line(turn, roster.names)
                for turn in shown
                if turn.human and turn.reaches(agent_id) and (last is None or turn.index > last.index)
            )
            pane.show_turn(last, speaking=agent_id == speaking, heard=heard)
        self.show_roster(roster)

    # -- a live session, event by event

    def turn_started(self, event: TurnStarted) -> None:
        self.panes[event.agent_id].begin_turn(event.turn_index, event.round, event.nickname)
        self.chat.begin_turn(event.turn_index, event.nickname)

    def tokens(self, turn_index: int, agent_id: str, text: str, deltas: int) -> None:
        self.panes[agent_id].append(text, deltas)
        entry = self.chat.entry(turn_index)
        if entry is not None:
            entry.append(text)

    def stream_reset(self, event: StreamReset) -> None:
        self.panes[event.agent_id].restart(event.attempt)
        entry = self.chat.entry(event.turn_index)
        if entry is not None:
            entry.restart()

    def turn_ended(self, turn: Turn) -> None:
        if turn.human:  # a person's message: a line of the chat, a note in the panes it reaches
            self.chat.add_turn(turn, self.sidebar.names)
            for agent_id, pane in self.panes.items():
                if turn.reaches(agent_id):
                    pane.hear(_heard_line(turn, self.sidebar.names))
            return
        self.panes[turn.agent_id].finish(turn)
        entry = self.chat.entry(turn.index)
        if entry is not None:
            entry.finish(turn)

    def control_applied(self, record: ControlRecord, roster: Roster) -> None:
        """An intervention took effect: say so in the chat, and show the roster it left."""
        self.chat.add_control(record, roster.names)
        self.show_roster(roster)

    def note(self, line: str, turn_index: int) -> None:
        """A line of convscope's own in the chat, before turn ``turn_index``."""
        self.chat.add_system(line, turn_index)

    def session_ended(self, line: str, turn_index: int) -> None:
        for pane in self.panes.values():
            pane.set_ended()
        self.note(line, turn_index)

    def show_metrics(
        self, board: MetricsBoard | None = None, thresholds: LoopThresholds | None = None
    ) -> None:
        self.sidebar.show(board, thresholds)


def _heard_line(turn: Turn, names: Mapping[str, str]) -> str:
    return f"{speaker_label(turn, names)}: {turn.text}"
