"""The engine over a real OpenAI-compatible server on 127.0.0.1: retries and failed turns on the wire."""

from __future__ import annotations

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.engine import Engine
from convscope.core.events import StreamReset
from convscope.core.providers.base import Provider
from convscope.core.providers.openai_provider import OpenAIProvider
from convscope.core.providers.registry import resolve
from convscope.core.providers.retry import RetryPolicy, with_retries
from tests.core.engine_support import EventLog
from tests.support.openai_sse_server import Cut, OpenAIStub, Reply, Status

FAST_RETRIES = RetryPolicy(max_attempts=3, base_delay_s=0.01, max_delay_s=0.05, max_total_s=5.0)


def fast_factory(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
    """The standard stack (resolve, then retries) with short waits so the test is quick."""
    return with_retries(resolve(agent), FAST_RETRIES)


def wire_config(stub: OpenAIStub, rounds: int = 1) -> SessionConfig:
    agent = AgentSpec(id="w", nickname="Wire", provider=f"openai-compatible:{stub.base_url}#stub-model")
    return SessionConfig(brief="Say something.", rounds=rounds, agents=(agent,))


async def test_a_500_then_a_cut_stream_are_retried_and_the_turn_keeps_only_the_final_text(
    openai_stub: OpenAIStub,
) -> None:
    openai_stub.script(
        Status(500), Cut(after_chunks=2, text="partial words that vanish"), Reply("all good now")
    )
    engine = Engine(wire_config(openai_stub), provider_factory=fast_factory)
    log = EventLog(engine)
    await engine.run()
    [turn] = engine.transcript
    assert not turn.failed and turn.text == "all good now"
    assert turn.retries == 2
    assert len(openai_stub.requests) == 3
    assert [e.attempt for e in log.of(StreamReset)] == [2, 3]


async def test_exhausted_retries_become_a_failed_turn_with_the_server_error_and_the_session_goes_on(
    openai_stub: OpenAIStub,
) -> None:
    openai_stub.script(*[Status(503, "upstream overloaded")] * 3, Reply("second round works"))
    engine = Engine(wire_config(openai_stub, rounds=2), provider_factory=fast_factory)
    await engine.run()
    failed, recovered = engine.transcript
    assert failed.failed and failed.error_kind == "transient"
    assert failed.error == "Error code: 503 - upstream overloaded"
    assert failed.retries == 2
    assert recovered.text == "second round works"


async def test_the_engine_closes_its_providers_clients_when_the_run_ends(openai_stub: OpenAIStub) -> None:
    """Their HTTP clients belong to the run's loop; closed there, none is left to fail later."""
    built: list[Provider] = []

    def recording_factory(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
        provider = resolve(agent)
        built.append(provider)
        return with_retries(provider, FAST_RETRIES)

    engine = Engine(wire_config(openai_stub), provider_factory=recording_factory)
    await engine.run()
    [provider] = built
    assert isinstance(provider, OpenAIProvider)
    assert provider.closed


async def test_the_other_agents_read_the_servers_error_and_none_of_the_retry_bookkeeping(
    openai_stub: OpenAIStub,
) -> None:
    """The crashed-agent condition of the War Room paper, minus convscope's own annotations."""
    spec = f"openai-compatible:{openai_stub.base_url}#stub-model"
    agents = (AgentSpec(id="a", nickname="A", provider=spec), AgentSpec(id="b", nickname="B", provider=spec))
    config = SessionConfig(brief="Plan.", rounds=1, agents=agents)
    openai_stub.script(*[Status(503, "The server is overloaded")] * 3, Reply("B speaks"))

    await Engine(config, provider_factory=fast_factory).run()

    prompt_of_b = openai_stub.requests[-1].body["messages"][-1]["content"]
    assert prompt_of_b.endswith("A: ⚠ Error code: 503 - The server is overloaded")
    assert "attempt" not in prompt_of_b and "gave up" not in prompt_of_b


async def test_a_key_quoted_back_by_the_server_is_in_no_event(
    openai_stub: OpenAIStub, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever a 401, a retry notice or a reply says, what leaves the engine holds no key."""
    key = "sk-live-77e2b04d5a3f9a1c"
    monkeypatch.setenv("LITELLM_KEY", key)
    spec = f"openai-compatible:{openai_stub.base_url}#stub-model"
    agents = (
        AgentSpec(id="a", nickname="A", provider=spec, key_env="LITELLM_KEY"),
        AgentSpec(id="b", nickname="B", provider=spec, key_env="LITELLM_KEY"),
    )
    openai_stub.script(
        Status(401, f"Incorrect API key provided: {key}."),
        Status(500, f"key {key} overloaded"),
        Reply(f"My key is {key}, do not tell."),
    )
    engine = Engine(SessionConfig(brief="Plan.", rounds=1, agents=agents), provider_factory=fast_factory)
    log = EventLog(engine)
    await engine.run()

    assert key not in repr(log.events)
    failed, spoken = engine.transcript
    assert failed.error == "Error code: 401 - Incorrect API key provided: [redacted LITELLM_KEY]."
    assert spoken.text == "My key is [redacted LITELLM_KEY], do not tell."
    assert [e.reason for e in log.of(StreamReset)] == [
        "Error code: 500 - key [redacted LITELLM_KEY] overloaded"
    ]
