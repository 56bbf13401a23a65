"""An agent pane's header figures."""

from __future__ import annotations

import pytest

from convscope.tui.widgets.agent_pane import turn_rate


def test_a_pane_shows_no_token_rate_for_a_turn_too_short_to_measure() -> None:
    assert turn_rate(31, 0.00016) is None  # a scripted reply: 195,000 tok/s would mean nothing
    assert turn_rate(64, 5.0) == pytest.approx(12.8)
    assert turn_rate(None, 5.0) is None
