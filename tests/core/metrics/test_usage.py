"""Token and cost metrics: sums of the usage providers reported, priced by the config, never guessed."""

from __future__ import annotations

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import Price, SessionConfig
from convscope.core.metrics import catalogue as m
from convscope.core.protocols import tracker_for
from convscope.core.records import Turn

AGENTS = (
    AgentSpec(id="a", nickname="Ada", provider="openai:gpt-4o-mini"),
    AgentSpec(id="b", nickname="Bo", provider="anthropic:claude-3-5-haiku-latest"),
)
PRICES = {
    "openai:gpt-4o-mini": Price(input=0.15, output=0.60),
    "anthropic:claude-3-5-haiku-latest": Price(input=0.80, output=4.00),
}


def turn(index: int, agent: AgentSpec, prompt: int | None, completion: int | None, **extra: object) -> Turn:
    return Turn(
        index=index,
        round=index // 2,
        agent_id=agent.id,
        nickname=agent.nickname,
        model=agent.provider,
        text="We split the budget.",
        started_at=0.0,
        ended_at=1.0,
        prompt_tokens=prompt,
        completion_tokens=completion,
        **extra,  # type: ignore[arg-type]
    )


def last_values(config: SessionConfig, turns: list[Turn]) -> dict[str, object]:
    return tracker_for(config).run(turns)[-2].values  # the last turn's snapshot (a round's follows it)


def test_tokens_and_cost_sum_what_each_turn_reported_at_the_configs_prices() -> None:
    config = SessionConfig(agents=AGENTS, prices=PRICES)
    turns = [turn(0, AGENTS[0], 1200, 300), turn(1, AGENTS[1], 1500, 250), turn(2, AGENTS[0], 1800, 200)]

    values = last_values(config, turns)

    assert values[m.TOKENS_PROMPT.key] == 4500
    assert values[m.TOKENS_COMPLETION.key] == 750
    assert values[m.TOKENS_TOTAL.key] == 5250
    assert (values[m.TOKENS_AGENT.of("a")], values[m.TOKENS_AGENT.of("b")]) == (3500, 1750)
    # a: (3000 x 0.15 + 500 x 0.60) / 1e6; b: (1500 x 0.80 + 250 x 4.00) / 1e6
    assert values[m.COST_AGENT.of("a")] == pytest.approx(0.00075)
    assert values[m.COST_AGENT.of("b")] == pytest.approx(0.0022)
    assert values[m.COST_TOTAL.key] == pytest.approx(0.00295)
    assert m.COST_TOTAL.format(values[m.COST_TOTAL.key]) == "0.0030"


def test_an_agent_whose_provider_reports_no_usage_is_n_a_and_adds_nothing() -> None:
    config = SessionConfig(agents=AGENTS)
    turns = [turn(0, AGENTS[0], 100, 20), turn(1, AGENTS[1], None, None), turn(2, AGENTS[0], None, 5)]

    values = last_values(config, turns)

    assert values[m.TOKENS_AGENT.of("b")] is None
    assert (values[m.TOKENS_AGENT.of("a")], values[m.TOKENS_TOTAL.key]) == (125, 125)
    assert m.COST_TOTAL.key not in values  # no prices, no cost


def test_a_session_where_no_provider_reports_usage_has_no_token_count() -> None:
    values = last_values(SessionConfig(agents=AGENTS), [turn(0, AGENTS[0], None, None)])

    assert values[m.TOKENS_TOTAL.key] is None and m.TOKENS_TOTAL.format(None) == "n/a"


def test_unmeasured_and_failed_turns_still_count_the_tokens_they_used() -> None:
    config = SessionConfig(agents=AGENTS, protocol="coding", options={"code": "x"})
    summary = turn(0, AGENTS[0], 40, 10, phase="summary")
    failed = turn(1, AGENTS[1], 30, 0, error="cut", error_kind="transient")

    snapshots = tracker_for(config).run([summary, failed])

    assert [s.values[m.TOKENS_TOTAL.key] for s in snapshots if not s.is_round] == [50, 80]


def test_prices_that_leave_an_agents_model_out_are_refused() -> None:
    with pytest.raises(ValueError, match="prices: no price for anthropic:claude-3-5-haiku-latest"):
        SessionConfig(agents=AGENTS, prices={"openai:gpt-4o-mini": PRICES["openai:gpt-4o-mini"]})
