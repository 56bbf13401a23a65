"""The live screen's status bar: where the session is, in words a person reads."""

from __future__ import annotations

from .support import SIZE, live_app, live_screen, scripted_config, until


async def test_the_status_bar_counts_the_last_round_as_n_of_n() -> None:
    app, session = live_app(scripted_config(rounds=2))
    async with app.run_test(size=SIZE) as pilot:
        await until(pilot, lambda: session.engine.state == "finished")
        await until(pilot, lambda: "2 of 2" in str(live_screen(pilot).status.visual))
        assert "round #1 (2 of 2)" in str(live_screen(pilot).status.visual)
