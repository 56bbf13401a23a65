"""The preflight every front end runs: protocol options, then every model the session calls."""

from __future__ import annotations

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.preflight import check_models, model_problems
from convscope.core.providers.registry import MissingKeyError


def network(**options: str) -> SessionConfig:
    agents = tuple(AgentSpec(id=f"n{i}", nickname=f"N{i}", provider="degroot:2") for i in range(3))
    return SessionConfig(protocol="network", agents=agents, options={"graph": "complete", **options})


def test_a_network_judge_without_its_key_is_the_one_problem_and_check_models_raises_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    config = network(scorer="judge", judge="openai:gpt-5-nano")
    [(model, problem)] = model_problems(config)
    assert model.id == "judge" and model not in config.agents
    assert isinstance(problem, MissingKeyError) and "OPENAI_API_KEY is not set" in str(problem)
    with pytest.raises(MissingKeyError, match="'judge'"):
        check_models(config)


def test_bad_protocol_options_raise_before_any_model_is_checked() -> None:
    with pytest.raises(ValueError, match="graph"):
        model_problems(network(graph="moebius"))
