"""The Anthropic provider: the real SDK against the stub's /v1/messages route, and error mapping."""

from __future__ import annotations

import anthropic
import httpx2
import pytest

from convscope.core.agents import AgentSpec
from convscope.core.providers import registry
from convscope.core.providers.anthropic_provider import AnthropicProvider, provider_error, split_system
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, Usage
from tests.support.openai_sse_server import OpenAIStub, Status, StreamError
from tests.support.streams import collect, final_text, user_request

CHAT = (
    ChatMessage("system", "You are Agent-A in a group chat."),
    ChatMessage("system", "Other agents: Agent-B"),
    ChatMessage("user", "Brief: plan a festival."),
    ChatMessage("assistant", "Agent-B: I suggest June."),
)


ROOT = "https://api.anthropic.com"


def claude(stub: OpenAIStub) -> AnthropicProvider:
    root = stub.base_url.removesuffix("/v1")  # the SDK adds /v1/messages itself
    return AnthropicProvider(
        "anthropic:claude-haiku-4-5", "claude-haiku-4-5", api_key="sk-ant-test", base_url=root
    )


def sdk_error(
    cls: type[anthropic.APIStatusError], status: int, message: str, **headers: str
) -> anthropic.APIStatusError:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")
    response = httpx2.Response(status, headers=headers, request=request)
    return cls(
        message, response=response, body={"type": "error", "error": {"type": "api_error", "message": message}}
    )


def test_system_messages_are_joined_and_taken_out_of_the_turns() -> None:
    system, turns = split_system(CHAT)

    assert system == "You are Agent-A in a group chat.\n\nOther agents: Agent-B"
    assert turns == [
        {"role": "user", "content": "Brief: plan a festival."},
        {"role": "assistant", "content": "Agent-B: I suggest June."},
    ]
    assert split_system(CHAT[2:])[0] is None


async def test_stream_reassembles_the_reply_and_reports_usage(openai_stub: OpenAIStub) -> None:
    items = await collect(claude(openai_stub), user_request("four words of prompt"))

    texts = [item for item in items if isinstance(item, str)]
    assert "".join(texts) == openai_stub.default_reply
    assert items[-1] == Usage(prompt_tokens=4, completion_tokens=len(texts))


async def test_request_carries_system_max_tokens_and_no_sampling_params(openai_stub: OpenAIStub) -> None:
    request = ChatRequest(CHAT, user_request(temperature=0.95, top_p=0.5, max_tokens=99, seed=3).params)

    await collect(claude(openai_stub), request)

    sent = openai_stub.requests[0]
    assert sent.path == "/v1/messages"
    assert sent.body["system"] == "You are Agent-A in a group chat.\n\nOther agents: Agent-B"
    assert [m["role"] for m in sent.body["messages"]] == ["user", "assistant"]
    assert (sent.body["model"], sent.body["max_tokens"], sent.body["stream"]) == (
        "claude-haiku-4-5",
        99,
        True,
    )
    assert not {"temperature", "top_p", "top_k", "seed"} & sent.body.keys()


async def test_http_errors_through_the_sdk_become_provider_errors(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Status(429, "Number of request tokens has exceeded your rate limit", retry_after="2"))
    openai_stub.script(Status(404, "model: claude-2.0 has been retired"))
    provider = claude(openai_stub)

    with pytest.raises(ProviderError) as limited:
        await collect(provider)
    with pytest.raises(ProviderError) as gone:
        await collect(provider)

    assert (limited.value.retryable, limited.value.retry_after) == (True, 2.0)
    assert "exceeded your rate limit" in limited.value.message
    assert gone.value.permanent and "claude-2.0 has been retired" in gone.value.message


async def test_overloaded_event_midway_is_retryable(openai_stub: OpenAIStub) -> None:
    openai_stub.script(StreamError(after_chunks=2, message="Overloaded"))

    with pytest.raises(ProviderError) as failure:
        await collect(claude(openai_stub))

    assert failure.value.retryable and not failure.value.permanent
    assert "overloaded_error" in failure.value.message


@pytest.mark.parametrize(
    ("cls", "status", "retryable", "permanent"),
    [
        (anthropic.RateLimitError, 429, True, False),
        (anthropic.InternalServerError, 500, True, False),
        (anthropic.OverloadedError, 529, True, False),
        (anthropic.AuthenticationError, 401, False, True),
        (anthropic.PermissionDeniedError, 403, False, True),
        (anthropic.NotFoundError, 404, False, True),
        (anthropic.BadRequestError, 400, False, False),
    ],
)
def test_status_errors_map_to_retryable_or_permanent(
    cls: type[anthropic.APIStatusError], status: int, retryable: bool, permanent: bool
) -> None:
    error = provider_error(sdk_error(cls, status, f"status {status} text"), ROOT)

    assert (error.retryable, error.permanent) == (retryable, permanent)
    assert error.message == f"Error code: {status} - status {status} text"


def test_retry_after_header_is_read_from_the_sdk_error() -> None:
    error = provider_error(
        sdk_error(anthropic.RateLimitError, 429, "slow down", **{"retry-after": "12"}), ROOT
    )

    assert error.retry_after == 12.0


def test_a_retired_model_is_permanent_even_as_a_bad_request() -> None:
    message = "The model `claude-3-sonnet-20240229` has been decommissioned"

    assert provider_error(sdk_error(anthropic.BadRequestError, 400, message), ROOT).permanent


def test_timeouts_and_dropped_connections_are_retryable() -> None:
    request = httpx2.Request("POST", "https://api.anthropic.com/v1/messages")

    timeout = provider_error(anthropic.APITimeoutError(request), ROOT)
    dropped = provider_error(anthropic.APIConnectionError(request=request), ROOT)

    assert timeout.retryable and timeout.message.startswith("api.anthropic.com:443: Request timed out")
    assert dropped.retryable and dropped.message == "api.anthropic.com:443: Connection error."


async def test_an_anthropic_agent_goes_to_its_base_url_setting_not_to_the_sdk_variable(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """LiteLLM's /v1/messages behind an ``anthropic:`` agent: the URL is in the agent, so in the session."""
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-test")
    with OpenAIStub() as elsewhere:
        monkeypatch.setenv("ANTHROPIC_BASE_URL", elsewhere.base_url.removesuffix("/v1"))
        root = openai_stub.base_url.removesuffix("/v1")
        spec = AgentSpec(id="a", nickname="A", provider="anthropic:smol", base_url=root)

        items = await collect(registry.resolve(spec))

        assert final_text(items) == openai_stub.default_reply
        assert (len(openai_stub.requests), elsewhere.requests) == (1, [])
