"""What live and replay both show: the agent panes (or the chat) beside the metrics sidebar."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import ContentSwitcher

from convscope.core.config import SessionConfig
from convscope.core.providers.registry import where
from convscope.core.records import ControlRecord, Turn
from convscope.tui.record_state import RecordState, initial_names
from convscope.tui.widgets.agent_pane import AgentPane
from convscope.tui.widgets.chat_view import ChatView, describe_control
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
        self.sidebar = MetricsSidebar({agent.id: names[agent.id] for agent in config.agents})
        self.config = config
        self.focused_agent = config.agents[0].id
        self._switcher = ContentSwitcher(initial=self.grid.id, id="deck-main")

    def compose(self) -> ComposeResult:
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

    def rename(self, agent_id: str, nickname: str) -> None:
        self.panes[agent_id].set_nickname(nickname)
        self.sidebar.rename(agent_id, nickname)

    def load_record(self, turns: Sequence[Turn], controls: Sequence[ControlRecord]) -> None:
        """Fill the chat with a saved session: each intervention just before the turn it preceded."""
        names = initial_names(self.config)
        pending = list(controls)
        for turn in [*turns, None]:
            index = turn.index if turn is not None else len(turns)
            while pending and (turn is None or pending[0].turn_index <= index):
                record = pending.pop(0)
                self.chat.add_system(describe_control(record, names), record.turn_index)
                if record.kind == "renamed" and record.agent_id and record.value:
                    names[record.agent_id] = record.value
            if turn is not None:
                self.chat.add_turn(turn)

    def show_state(self, state: RecordState, speaking: str | None = None) -> None:
        """Panes as they were at one point of a saved session."""
        for agent_id, pane in self.panes.items():
            pane.set_failure(state.failures.get(agent_id))
            pane.show_turn(state.last_turns.get(agent_id), speaking=agent_id == speaking)
            pane.set_nickname(state.names[agent_id])
            pane.set_paused(state.paused)
            self.sidebar.names[agent_id] = state.names[agent_id]
        self.sidebar.redraw()
