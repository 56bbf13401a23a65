"""Agent specs: the model name people use for an agent, whatever its provider spec."""

from __future__ import annotations

import pytest

from convscope.core.agents import AgentSpec, model_name


@pytest.mark.parametrize(
    ("provider", "name"),
    [
        ("openai:gpt-4o", "gpt-4o"),
        ("anthropic:claude-3-5-haiku-latest", "claude-3-5-haiku-latest"),
        ("openai-compatible:http://127.0.0.1:8000/v1#deepseek-chat", "deepseek-chat"),
        ("openai-compatible:https://api.groq.com/openai/v1#meta-llama/llama-4-scout", "llama-4-scout"),
        ("local:smollm2-135m", "smollm2-135m"),
        ("local:HuggingFaceTB/SmolLM2-135M-Instruct", "SmolLM2-135M-Instruct"),
    ],
)
def test_the_model_name_is_the_bare_model_without_backend_url_or_organisation(
    provider: str, name: str
) -> None:
    assert model_name(provider) == name
    assert AgentSpec(id="a", nickname="Agent-A", provider=provider).model_name == name
