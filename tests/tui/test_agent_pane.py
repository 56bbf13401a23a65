"""An agent pane's header figures."""

from __future__ import annotations

import pytest
from textual.app import App, ComposeResult

from convscope.core.agents import AgentSpec
from convscope.core.providers.registry import where
from convscope.core.records import Turn
from convscope.themes import STYLESHEET
from convscope.tui.widgets.agent_pane import AgentPane, fit_where, turn_rate


def test_a_pane_shows_no_token_rate_for_a_turn_too_short_to_measure() -> None:
    assert turn_rate(31, 0.00016) is None  # a scripted reply: 195,000 tok/s would mean nothing
    assert turn_rate(64, 5.0) == pytest.approx(12.8)
    assert turn_rate(None, 5.0) is None


@pytest.mark.parametrize(
    ("width", "shown"),
    [
        (60, "meta-llama/Llama-3.3-70B-Instruct @ 127.0.0.1:4000"),
        (30, "…70B-Instruct @ 127.0.0.1:4000"),
        (16, "127.0.0.1:4000"),
    ],
)
def test_the_server_is_never_cut_from_the_header_and_the_model_keeps_its_end(width: int, shown: str) -> None:
    assert fit_where("meta-llama/Llama-3.3-70B-Instruct", "127.0.0.1:4000", width) == shown


class OnePane(App[None]):
    """One pane under convscope's stylesheet (a two-line header that never wraps)."""

    CSS_PATH = STYLESHEET

    def __init__(self, agent: AgentSpec) -> None:
        super().__init__()
        self.pane = AgentPane(agent.id, agent.nickname, where(agent), None)

    def compose(self) -> ComposeResult:
        yield self.pane


@pytest.mark.parametrize(
    ("columns", "header"),
    [
        (20, ["127.0.0.1:4000", "waiting"]),
        (24, ["…ol @ 127.0.0.1:4000", "waiting"]),
        (40, ["waiting  smol @ 127.0.0.1:4000", ""]),
    ],
)
async def test_a_pane_header_shows_model_and_host_port_whatever_the_width(
    columns: int, header: list[str]
) -> None:
    """It used to show 'openai-compatible:http://1…': neither the model nor the port."""
    agent = AgentSpec(id="a", nickname="A", provider="openai-compatible:http://127.0.0.1:4000/v1#smol")
    app = OnePane(agent)
    async with app.run_test(size=(columns, 12)) as pilot:
        await pilot.pause()
        meta = app.pane.query_one(".pane-meta")
        lines = [strip.text.strip() for strip in meta.render_lines(meta.region.reset_offset)]

    assert lines == header


def test_an_agent_without_a_server_shows_its_spec_and_a_retried_failure_its_cost() -> None:
    assert where(AgentSpec(id="a", nickname="A", provider="local:smollm2-135m")) == (
        "local:smollm2-135m",
        None,
    )
    assert where(AgentSpec(id="a", nickname="A", provider="openai:gpt-4o")) == (
        "gpt-4o",
        "api.openai.com:443",
    )


@pytest.mark.parametrize(("text", "body"), [("half a", "half a [interrupted]"), ("", "[interrupted]")])
async def test_an_interrupted_turn_shows_what_it_said_then_the_mark(text: str, body: str) -> None:
    app = OnePane(AgentSpec(id="a", nickname="A", provider="scripted:echo"))
    cut = Turn(
        index=0, round=0, agent_id="a", nickname="A", model="scripted:echo", started_at=1.0, ended_at=2.0,
        text=text, cut_by="interrupt",
    )  # fmt: skip
    async with app.run_test():
        app.pane.show_turn(cut)
        assert app.pane.body.text == body
