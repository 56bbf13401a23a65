"""The registry: specs resolve to the right backend, errors are one line, check() stays offline."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.providers import registry
from convscope.core.providers.anthropic_provider import AnthropicProvider
from convscope.core.providers.openai_provider import OpenAIProvider
from convscope.core.providers.registry import InvalidSpecError, MissingKeyError, UnknownProviderError
from convscope.core.providers.scripted import ScriptedProvider
from tests.support.imports import imported_by
from tests.support.openai_sse_server import OpenAIStub


def agent(provider: str, key_env: str | None = None, failure: str | None = None) -> AgentSpec:
    return AgentSpec(id="a", nickname="A", provider=provider, key_env=key_env, failure=failure)


@pytest.fixture(autouse=True)
def no_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    for variable in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "OPENAI_BASE_URL", "ANTHROPIC_BASE_URL"):
        monkeypatch.delenv(variable, raising=False)


@pytest.mark.parametrize(
    ("spec", "parsed"),
    [
        ("openai:gpt-4o-mini", ("openai", "gpt-4o-mini")),
        (
            "openai-compatible:http://127.0.0.1:11434/v1#llama3.2",
            ("openai-compatible", "http://127.0.0.1:11434/v1#llama3.2"),
        ),
        ("scripted:text:a: b", ("scripted", "text:a: b")),
    ],
)
def test_parse_spec_splits_at_the_first_colon(spec: str, parsed: tuple[str, str]) -> None:
    assert registry.parse_spec(spec) == parsed


@pytest.mark.parametrize("spec", ["gpt-4o-mini", "openai:", ":gpt-4o", "openai:   "])
def test_parse_spec_refuses_specs_without_backend_and_target(spec: str) -> None:
    with pytest.raises(InvalidSpecError, match="must look like 'backend:target'"):
        registry.parse_spec(spec)


def test_compatible_target_splits_url_and_model_at_the_last_hash() -> None:
    assert registry.split_compatible_target("https://openrouter.ai/api/v1#meta-llama/llama-3.3-70b:free") == (
        "https://openrouter.ai/api/v1",
        "meta-llama/llama-3.3-70b:free",
    )


def test_openai_spec_resolves_to_the_openai_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test")

    provider = registry.resolve(agent("openai:gpt-4o-mini"))

    assert isinstance(provider, OpenAIProvider)
    assert (provider.name, provider.model) == ("openai:gpt-4o-mini", "gpt-4o-mini")


def test_anthropic_spec_resolves_with_its_own_key_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MY_CLAUDE_KEY", "sk-ant-test")

    provider = registry.resolve(agent("anthropic:claude-haiku-4-5", key_env="MY_CLAUDE_KEY"))

    assert isinstance(provider, AnthropicProvider)
    assert (provider.name, provider.model) == ("anthropic:claude-haiku-4-5", "claude-haiku-4-5")


def test_compatible_spec_needs_no_key_unless_one_is_named() -> None:
    provider = registry.resolve(agent("openai-compatible:http://127.0.0.1:11434/v1#llama3.2"))

    assert isinstance(provider, OpenAIProvider)
    assert provider.model == "llama3.2"
    with pytest.raises(MissingKeyError, match="GROQ_API_KEY"):
        registry.check(
            agent("openai-compatible:https://api.groq.com/openai/v1#llama-3.3-70b", "GROQ_API_KEY")
        )


def test_scripted_spec_resolves_to_the_scripted_backend() -> None:
    provider = registry.resolve(agent("scripted:text:hi"))

    assert isinstance(provider, ScriptedProvider)
    assert provider.name == "scripted:text:hi"


def test_local_spec_passes_the_check_without_loading_anything() -> None:
    registry.check(agent("local:smollm2-135m"))

    assert "local" in registry.BACKEND_NAMES


def test_unknown_backend_is_one_line_naming_the_known_ones() -> None:
    with pytest.raises(UnknownProviderError) as failure:
        registry.check(agent("gemini:pro"))

    assert str(failure.value) == (
        "agent 'a': unknown provider backend 'gemini' in 'gemini:pro' "
        "(known: anthropic, degroot, local, openai, openai-compatible, scripted)"
    )


def test_missing_key_is_one_line_naming_the_variable_and_the_spec() -> None:
    with pytest.raises(MissingKeyError) as failure:
        registry.resolve(agent("openai:gpt-4o-mini"))

    assert str(failure.value) == (
        "agent 'a': environment variable OPENAI_API_KEY is not set (needed by openai:gpt-4o-mini)"
    )


def test_an_empty_key_counts_as_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "")

    with pytest.raises(MissingKeyError, match="ANTHROPIC_API_KEY is not set"):
        registry.check(agent("anthropic:claude-haiku-4-5"))


@pytest.mark.parametrize(
    ("provider", "failure", "complaint"),
    [
        ("openai-compatible:http://127.0.0.1:11434/v1", None, "must look like 'http://host:port/v1#model'"),
        ("openai-compatible:127.0.0.1:11434#llama3.2", None, "must look like 'http://host:port/v1#model'"),
        ("openai:gpt 4o", None, "must not contain spaces"),
        ("scripted:nonsense", None, "scripted:echo"),
        ("scripted:text:hi", "explode", "unknown failure mode 'explode'"),
        ("scripted:text:hi", "transient:2", "between 0 and 1"),
    ],
)
def test_invalid_specs_and_failure_modes_are_one_line_errors(
    provider: str, failure: str | None, complaint: str
) -> None:
    with pytest.raises(InvalidSpecError) as error:
        registry.check(agent(provider, failure=failure))

    message = str(error.value)
    assert message.startswith("agent 'a': ") and complaint in message and "\n" not in message


def test_missing_script_file_is_caught_by_check(tmp_path: Path) -> None:
    with pytest.raises(InvalidSpecError, match="cannot read scripted replies"):
        registry.check(agent(f"scripted:file:{tmp_path / 'absent.txt'}"))


def test_errors_are_value_errors_for_callers_that_only_know_that() -> None:
    for error in (UnknownProviderError, MissingKeyError, InvalidSpecError):
        assert issubclass(error, ValueError)


async def test_check_and_resolve_never_touch_the_network(openai_stub: OpenAIStub) -> None:
    spec = agent(f"openai-compatible:{openai_stub.base_url}#m", failure="transient:0.1")

    registry.check(spec)
    registry.resolve(spec)

    assert openai_stub.requests == []


def test_check_imports_no_sdk_and_no_torch() -> None:
    code = (
        "from convscope.core.agents import AgentSpec\n"
        "from convscope.core.providers import registry\n"
        "for spec in ('openai-compatible:http://127.0.0.1:9/v1#m', 'scripted:echo', 'local:smollm2-135m'):\n"
        "    registry.check(AgentSpec(id='a', nickname='A', provider=spec, failure='silent'))\n"
    )
    assert imported_by(code, ("openai", "anthropic", "torch", "transformers")) == []


def test_every_http_agent_has_its_endpoint_in_its_spec_or_settings() -> None:
    stub_url = "http://127.0.0.1:4000/v1"

    assert registry.endpoint(agent("openai:gpt-4o-mini")) == "https://api.openai.com/v1"
    assert registry.endpoint(agent("anthropic:claude-haiku-4-5")) == "https://api.anthropic.com"
    routed = AgentSpec(id="a", nickname="A", provider="anthropic:smol", base_url="http://127.0.0.1:4000")
    assert registry.endpoint(routed) == "http://127.0.0.1:4000"
    assert registry.endpoint(agent(f"openai-compatible:{stub_url}#smol")) == stub_url
    assert registry.endpoint(agent("scripted:echo")) is None


def test_the_sdk_base_url_variables_never_change_the_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://127.0.0.1:1/v1")
    monkeypatch.setenv("ANTHROPIC_BASE_URL", "http://127.0.0.1:1")
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")

    openai_provider = registry.resolve(agent("openai:gpt-4o-mini"))
    anthropic_provider = registry.resolve(agent("anthropic:claude-haiku-4-5"))

    assert isinstance(openai_provider, OpenAIProvider) and isinstance(anthropic_provider, AnthropicProvider)
    assert openai_provider.base_url == "https://api.openai.com/v1"
    assert anthropic_provider.base_url == "https://api.anthropic.com"


@pytest.mark.parametrize(
    ("provider", "base_url", "complaint"),
    [
        (
            "openai-compatible:http://127.0.0.1:4000/v1#m",
            "http://127.0.0.1:5000/v1",
            "names its server itself",
        ),
        ("scripted:echo", "http://127.0.0.1:5000/v1", "setting of openai: and anthropic: agents"),
        ("openai:gpt-4o-mini", "127.0.0.1:5000/v1", "must look like 'http://host:port/v1'"),
        ("anthropic:smol", "http://127.0.0.1:notaport", "must look like 'http://host:port/v1'"),
    ],
)
def test_a_base_url_where_none_belongs_or_that_is_no_url_is_one_line(
    provider: str, base_url: str, complaint: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai")
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant")
    with pytest.raises(InvalidSpecError) as error:
        registry.check(AgentSpec(id="a", nickname="A", provider=provider, base_url=base_url))

    assert complaint in str(error.value) and "\n" not in str(error.value)


def test_a_compatible_url_with_a_port_that_is_no_number_is_refused() -> None:
    with pytest.raises(InvalidSpecError, match="must look like 'http://host:port/v1#model'"):
        registry.check(agent("openai-compatible:http://127.0.0.1:notaport/v1#m"))


def test_key_values_are_the_set_variables_the_agents_use(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-openai-value")
    monkeypatch.setenv("LITELLM_KEY", "sk-litellm-value")
    monkeypatch.setenv("UNUSED_KEY", "sk-unused")
    agents = [
        agent("openai:gpt-4o-mini"),
        agent("openai-compatible:http://127.0.0.1:4000/v1#m", key_env="LITELLM_KEY"),
        agent("anthropic:claude-haiku-4-5"),  # ANTHROPIC_API_KEY is unset
        agent("scripted:echo"),
        agent("nonsense:spec"),
    ]

    assert registry.key_values(agents) == {
        "OPENAI_API_KEY": "sk-openai-value",
        "LITELLM_KEY": "sk-litellm-value",
    }
