"""The OpenAI provider against a real SSE server on 127.0.0.1, with the real SDK and retries."""

from __future__ import annotations

import socket

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.providers import registry
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, Restart, Usage
from convscope.core.providers.openai_provider import OpenAIProvider
from convscope.core.providers.retry import RetryPolicy, with_retries
from tests.support.openai_sse_server import Cut, Hang, Malformed, OpenAIStub, Status, StreamError
from tests.support.streams import collect, final_text, user_request

FAST = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=5.0, max_total_s=30.0, jitter=0.0)


def compatible(stub: OpenAIStub, timeout_s: float = 10.0) -> OpenAIProvider:
    return OpenAIProvider(
        "openai-compatible:stub", "stub-model", api_key=None, base_url=stub.base_url, timeout_s=timeout_s
    )


async def test_streamed_chunks_reassemble_the_reply_exactly_and_usage_follows(
    openai_stub: OpenAIStub,
) -> None:
    items = await collect(compatible(openai_stub), user_request("one two three"))

    texts = [item for item in items if isinstance(item, str)]
    assert "".join(texts) == openai_stub.default_reply
    assert len(texts) == len(openai_stub.default_reply.split())  # streamed, not one block
    assert items[-1] == Usage(prompt_tokens=3, completion_tokens=len(texts))


async def test_generation_params_and_messages_reach_the_server(openai_stub: OpenAIStub) -> None:
    request = ChatRequest(
        (ChatMessage("system", "You are A."), ChatMessage("user", "hi"), ChatMessage("assistant", "yo")),
        user_request(temperature=0.3, top_p=0.9, max_tokens=77, seed=7).params,
    )
    await collect(compatible(openai_stub), request)

    body = openai_stub.requests[0].body
    assert body["model"] == "stub-model"
    assert body["messages"] == [
        {"role": "system", "content": "You are A."},
        {"role": "user", "content": "hi"},
        {"role": "assistant", "content": "yo"},
    ]
    assert (body["temperature"], body["top_p"], body["max_tokens"], body["seed"]) == (0.3, 0.9, 77, 7)
    assert body["stream"] is True
    assert body["stream_options"] == {"include_usage": True}


async def test_unset_params_are_left_to_the_server(openai_stub: OpenAIStub) -> None:
    await collect(compatible(openai_stub), user_request(temperature=None, top_p=None, seed=None))

    assert not {"temperature", "top_p", "seed"} & openai_stub.requests[0].body.keys()


async def test_openai_backend_sends_max_completion_tokens_to_its_base_url_setting(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai")
    agent = AgentSpec(id="a", nickname="A", provider="openai:gpt-4o-mini", base_url=openai_stub.base_url)

    await collect(registry.resolve(agent), user_request(max_tokens=42))

    body = openai_stub.requests[0].body
    assert (body["model"], body["max_completion_tokens"]) == ("gpt-4o-mini", 42)
    assert "max_tokens" not in body


async def test_the_sdk_base_url_variable_is_never_followed(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """OPENAI_BASE_URL is not recorded in the session, so following it would send a resumed
    session (and its key) somewhere else than the first run: it is ignored."""
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai")
    with OpenAIStub() as elsewhere:
        monkeypatch.setenv("OPENAI_BASE_URL", elsewhere.base_url)
        agent = AgentSpec(id="a", nickname="A", provider="openai:gpt-4o-mini", base_url=openai_stub.base_url)
        await collect(registry.resolve(agent))
        official = registry.resolve(AgentSpec(id="b", nickname="B", provider="openai:gpt-4o-mini"))

        assert (len(openai_stub.requests), elsewhere.requests) == (1, [])
    assert isinstance(official, OpenAIProvider)
    assert official.base_url == "https://api.openai.com/v1"


async def test_api_key_is_sent_as_bearer_but_never_shown(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("STUB_KEY", "sk-secret-12345")
    agent = AgentSpec(
        id="a", nickname="A", provider=f"openai-compatible:{openai_stub.base_url}#m", key_env="STUB_KEY"
    )
    provider = registry.resolve(agent)
    await collect(provider)

    assert openai_stub.requests[0].headers["authorization"] == "Bearer sk-secret-12345"
    for shown in (repr(provider), str(provider), repr(with_retries(provider, FAST)), repr(vars(provider))):
        assert "sk-secret-12345" not in shown


async def test_compatible_server_never_receives_the_openai_key(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-real-openai")
    agent = AgentSpec(id="a", nickname="A", provider=f"openai-compatible:{openai_stub.base_url}#m")
    await collect(registry.resolve(agent))

    assert "sk-real-openai" not in openai_stub.requests[0].headers["authorization"]


async def test_server_refusing_stream_options_is_asked_again_without_them(openai_stub: OpenAIStub) -> None:
    openai_stub.reject_stream_options()
    provider = compatible(openai_stub)

    first = await collect(provider)
    second = await collect(provider)

    assert final_text(first) == final_text(second) == openai_stub.default_reply
    assert not any(isinstance(item, Usage) for item in first + second)
    assert ["stream_options" in r.body for r in openai_stub.requests] == [True, False, False]


async def test_rate_limit_waits_at_least_retry_after_then_succeeds(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Status(429, "Rate limit reached", retry_after="1"))

    items = await collect(with_retries(compatible(openai_stub), FAST))

    assert final_text(items) == openai_stub.default_reply
    first, second = openai_stub.requests
    assert second.at - first.at >= 1.0
    restart = next(item for item in items if isinstance(item, Restart))
    assert (restart.attempt, restart.delay_s) == (2, 1.0)
    assert "429" in restart.reason


async def test_server_error_then_success_is_retried(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Status(500, "upstream exploded"))

    items = await collect(with_retries(compatible(openai_stub), FAST))

    assert final_text(items) == openai_stub.default_reply
    assert len(openai_stub.requests) == 2


async def test_hang_past_the_timeout_is_retried_then_fails(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Hang(30), Hang(30))
    policy = RetryPolicy(max_attempts=2, base_delay_s=0.01, jitter=0.0)

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub, timeout_s=0.3), policy))

    host_port = openai_stub.base_url.removeprefix("http://").removesuffix("/v1")
    assert failure.value.message == f"{host_port}: Request timed out."
    assert len(openai_stub.requests) == 2


async def test_stream_cut_midway_restarts_and_delivers_the_full_retry(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Cut(after_chunks=2))

    items = await collect(with_retries(compatible(openai_stub), FAST))

    restart_at = next(i for i, item in enumerate(items) if isinstance(item, Restart))
    assert items[:restart_at] == ["Hello", " from"]  # the partial output the engine must discard
    assert "incomplete chunked read" in items[restart_at].reason  # type: ignore[union-attr]
    assert final_text(items) == openai_stub.default_reply


async def test_error_event_midway_is_retried_with_the_server_text(openai_stub: OpenAIStub) -> None:
    openai_stub.script(StreamError(after_chunks=2, message="The server had an error"))

    items = await collect(with_retries(compatible(openai_stub), FAST))

    restart = next(item for item in items if isinstance(item, Restart))
    assert restart.reason == "The server had an error"
    assert final_text(items) == openai_stub.default_reply


async def test_malformed_chunk_fails_clearly_without_retrying(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Malformed(after_chunks=1))

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub), FAST))

    assert failure.value.message.startswith("malformed stream chunk from openai-compatible:stub")
    assert not failure.value.retryable
    assert len(openai_stub.requests) == 1


async def test_exhausted_attempts_raise_the_server_text_alone(openai_stub: OpenAIStub) -> None:
    openai_stub.script(*[Status(503, "The server is overloaded")] * 3)

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub), FAST))

    assert failure.value.message == "Error code: 503 - The server is overloaded"
    assert len(openai_stub.requests) == 3


async def test_total_time_bound_stops_retries_before_the_attempt_limit(openai_stub: OpenAIStub) -> None:
    openai_stub.script(*[Status(503)] * 10)
    # Backoff 0.3 s then 0.6 s: the second wait would end past 0.8 s, so only 2 attempts run.
    policy = RetryPolicy(max_attempts=10, base_delay_s=0.3, max_total_s=0.8, jitter=0.0)

    with pytest.raises(ProviderError):
        await collect(with_retries(compatible(openai_stub), policy))

    assert len(openai_stub.requests) == 2


@pytest.mark.parametrize(
    ("status", "message", "permanent"),
    [
        (404, "The model `gone` does not exist", True),
        (401, "Incorrect API key provided", True),
        (403, "Project does not have access", True),
        (400, "The model `deepseek-r1-distill-llama-70b` has been decommissioned", True),
        (400, "max_tokens is too large", False),
    ],
)
async def test_client_errors_are_never_retried_and_keep_the_sdk_text(
    openai_stub: OpenAIStub, status: int, message: str, permanent: bool
) -> None:
    openai_stub.script(Status(status, message))

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub), FAST))

    assert failure.value.message == f"Error code: {status} - {message}"
    assert (failure.value.permanent, failure.value.retryable) == (permanent, False)
    assert len(openai_stub.requests) == 1


async def test_a_fastapi_detail_is_the_reason_shown_and_a_pinned_server_refusal_is_permanent(
    openai_stub: OpenAIStub,
) -> None:
    """transformers serve's answer to a wrong model id; the SDK's own text had only 'Error code: 400'."""
    detail = "Server is pinned to 'models/smollm2-135m'; requested 'smollm2-135m'."
    openai_stub.script(Status(400, body={"detail": detail}))

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub), FAST))

    assert failure.value.message == f"Error code: 400 - {detail}"
    assert failure.value.permanent
    assert len(openai_stub.requests) == 1


async def test_a_server_error_for_a_model_it_cannot_load_is_permanent_not_retried(
    openai_stub: OpenAIStub,
) -> None:
    reason = "smol is not a local folder and is not a valid model identifier listed on 'https://huggingface.co/models'"
    openai_stub.script(Status(500, body={"detail": reason}))

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(compatible(openai_stub), FAST))

    assert failure.value.permanent and reason in failure.value.message
    assert len(openai_stub.requests) == 1


async def test_a_plain_text_body_is_the_reason_on_one_line(openai_stub: OpenAIStub) -> None:
    openai_stub.script(Status(502, body="Bad gateway:\n  upstream\tsaid no\n"))

    with pytest.raises(ProviderError) as failure:
        await collect(compatible(openai_stub))

    assert failure.value.message == "Error code: 502 - Bad gateway: upstream said no"
    assert failure.value.retryable


async def test_a_dead_port_names_the_host_and_port() -> None:
    with socket.socket() as probe:  # a port that nothing listens on once the probe is closed
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = OpenAIProvider("openai-compatible:dead", "m", api_key=None, base_url=f"http://127.0.0.1:{port}/v1")

    with pytest.raises(ProviderError) as failure:
        await collect(dead)

    assert failure.value.message.startswith(f"127.0.0.1:{port}: Connection error.")
    assert failure.value.retryable
