"""An imported War Room run replays in the TUI like a recorded session: panes, failures, metrics."""

from __future__ import annotations

from pathlib import Path

from convscope.sessions.importers.warroom import WarRoomImporter
from convscope.tui.app import ConvscopeApp
from convscope.tui.screens.plots import PlotsScreen
from convscope.tui.screens.replay import ReplayScreen
from tests.support.warroom import transcripts

from .support import SIZE, until


async def test_an_imported_war_room_run_replays_with_its_agents_failures_and_metrics() -> None:
    document = WarRoomImporter().read(Path(transcripts() / "A" / "warroom-A-run01.json")).document
    app = ConvscopeApp(lambda: ReplayScreen(document, at_start=True))
    async with app.run_test(size=SIZE) as pilot:
        screen = next(s for s in app.screen_stack if isinstance(s, ReplayScreen))
        await until(pilot, lambda: screen.recomputed, limit_s=120)
        panes = screen.deck.panes
        assert sorted(panes) == sorted(agent.id for agent in document.config.agents)
        failed = next(t for t in document.turns if t.failed)
        await pilot.press("g", *str(failed.index), "enter")
        assert panes["deepseek"].shown_state == "failed"
        await pilot.press("end")
        last = document.turns[-1]
        assert screen.position == last.index
        assert panes[last.agent_id].text == last.text
        await pilot.press("p")
        assert isinstance(app.screen, PlotsScreen)
        assert len(app.screen.board.series("rouge1")) == 11  # one value per round
