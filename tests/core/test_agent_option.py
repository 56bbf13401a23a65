"""``--agent``: one agent on the command line, with every setting a TOML file can hold."""

from __future__ import annotations

import re

import pytest

from convscope.core.agent_option import AgentOptionError, parse_agent_change, parse_agent_option
from convscope.core.agents import AgentSpec


def test_an_agent_option_names_its_key_variable_and_any_other_setting() -> None:
    spec = parse_agent_option(
        "openai-compatible:http://127.0.0.1:4000/v1#smol key_env=LITELLM_KEY temperature=0.3 max_tokens=64"
        " seed=7",
        1,
    )

    assert (spec.id, spec.nickname, spec.provider) == (
        "agent2",
        "Agent-B",
        "openai-compatible:http://127.0.0.1:4000/v1#smol",
    )
    assert spec.key_env == "LITELLM_KEY"
    assert (spec.params.temperature, spec.params.max_tokens, spec.params.seed) == (0.3, 64, 7)


def test_a_nickname_may_be_quoted_and_the_endpoint_and_failure_set() -> None:
    spec = parse_agent_option(
        "'Big Claude=anthropic:smol' base_url=http://127.0.0.1:4000 failure=transient:0.2", 0
    )

    assert (spec.nickname, spec.provider) == ("Big Claude", "anthropic:smol")
    assert (spec.base_url, spec.failure) == ("http://127.0.0.1:4000", "transient:0.2")


def test_the_plain_forms_still_work() -> None:
    assert parse_agent_option("scripted:echo", 0).nickname == "Agent-A"
    assert parse_agent_option("Zed=scripted:text:a=b", 0).provider == "scripted:text:a=b"


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("openai:gpt-4o key=SECRET", "unknown setting 'key' (known: id, nickname, key_env, base_url"),
        ("openai:gpt-4o temperature", "'temperature' must look like SETTING=VALUE"),
        ("openai:gpt-4o temperature=hot", "temperature: Input should be a valid number"),
        ("openai:gpt-4o temperature=9", "temperature: Input should be less than or equal to 2"),
        ("'openai:gpt-4o", "No closing quotation"),
        ("", "--agent needs a provider spec"),
    ],
)
def test_a_bad_agent_option_is_one_line_naming_it(text: str, complaint: str) -> None:
    with pytest.raises(AgentOptionError) as error:
        parse_agent_option(text, 0)

    assert complaint in str(error.value) and "\n" not in str(error.value)


_PARENT_AGENTS = (
    AgentSpec(
        id="b",
        nickname="Agent-B",
        provider="local:smollm2-135m",
        params={"temperature": 0.8, "max_tokens": 64},
    ),
)


def test_a_branch_agent_change_keeps_what_it_does_not_name() -> None:
    changed = parse_agent_change("b openai:gpt-4o-mini key_env=MY_KEY temperature=0.2", _PARENT_AGENTS)
    assert (changed.id, changed.nickname, changed.provider, changed.key_env) == (
        "b",
        "Agent-B",
        "openai:gpt-4o-mini",
        "MY_KEY",
    )
    assert (changed.params.temperature, changed.params.max_tokens) == (0.2, 64)


def test_a_branch_agent_change_may_change_settings_only() -> None:
    changed = parse_agent_change("b max_tokens=16", _PARENT_AGENTS)
    assert (changed.provider, changed.params.max_tokens, changed.params.temperature) == (
        "local:smollm2-135m",
        16,
        0.8,
    )


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("z local:smollm2-135m", "no agent 'z' in this session (its agents: b)"),
        ("b nickname=Zed", "nickname changes at the branch point with --rename ID=NAME"),
        ("b failure=decommissioned", "failure changes at the branch point with --fail ID=MODE"),
        ("b temperature=hot", "temperature"),
        ("", "needs an agent id"),
    ],
)
def test_a_bad_branch_agent_change_is_one_line_naming_it(text: str, complaint: str) -> None:
    with pytest.raises(AgentOptionError, match=re.escape(complaint)) as caught:
        parse_agent_change(text, _PARENT_AGENTS)
    assert "\n" not in str(caught.value)
