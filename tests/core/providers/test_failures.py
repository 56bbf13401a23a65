"""Failure modes: each one's behaviour around a real scripted provider, and the mode grammar."""

from __future__ import annotations

import time

import pytest

from convscope.core.providers.base import ChatRequest, ProviderError
from convscope.core.providers.failures import FailureMode, parse_failure, with_failure
from convscope.core.providers.retry import RetryPolicy, with_retries
from convscope.core.providers.scripted import ScriptedProvider
from tests.support.streams import collect, final_text, user_request

REPLY = "The budget is fifty thousand euros."


class Counting(ScriptedProvider):
    """A scripted provider that counts how often it is really called."""

    def __init__(self) -> None:
        super().__init__("openai-compatible:http://127.0.0.1:1/v1#llama3.2", reply_fn=self._reply)
        self.calls = 0

    def _reply(self, request: ChatRequest) -> str:
        self.calls += 1
        return REPLY


async def outcomes(mode: str, calls: int, seed: int = 0) -> list[str]:
    """'ok' or the error kind of each of ``calls`` successive calls."""
    provider = with_failure(Counting(), mode, seed=seed)
    results = []
    for _ in range(calls):
        try:
            await collect(provider)
            results.append("ok")
        except ProviderError as err:
            results.append("permanent" if err.permanent else "retryable" if err.retryable else "error")
    return results


async def test_decommissioned_fails_every_call_permanently_with_the_api_notice() -> None:
    inner = Counting()
    provider = with_failure(inner, "decommissioned", seed=0)

    for _ in range(3):
        with pytest.raises(ProviderError) as failure:
            await collect(provider)
        assert failure.value.permanent
        assert "The model `llama3.2` has been decommissioned" in failure.value.message
        assert "model_decommissioned" in failure.value.message
    assert inner.calls == 0


async def test_crash_after_two_fails_permanently_from_the_third_call() -> None:
    assert await outcomes("crash-after:2", 5) == ["ok", "ok", "permanent", "permanent", "permanent"]


async def test_crash_after_zero_fails_from_the_first_call() -> None:
    assert await outcomes("crash-after:0", 2) == ["permanent", "permanent"]


async def test_transient_is_reproducible_for_a_seed_and_varies_across_seeds() -> None:
    first = await outcomes("transient:0.5", 40, seed=11)

    assert await outcomes("transient:0.5", 40, seed=11) == first
    assert await outcomes("transient:0.5", 40, seed=12) != first
    assert set(first) == {"ok", "retryable"}


@pytest.mark.parametrize(
    ("mode", "expected"), [("transient", 0.3), ("transient:0.1", 0.1), ("transient:0.7", 0.7)]
)
async def test_transient_failure_rate_follows_p(mode: str, expected: float) -> None:
    results = await outcomes(mode, 2000, seed=3)

    assert abs(results.count("retryable") / len(results) - expected) < 0.04


async def test_transient_extremes_never_and_always_fail() -> None:
    assert set(await outcomes("transient:0", 50)) == {"ok"}
    assert set(await outcomes("transient:1", 50)) == {"retryable"}


async def test_transient_failures_are_survived_by_retries() -> None:
    flaky = with_failure(Counting(), "transient:0.5", seed=5)
    policy = RetryPolicy(max_attempts=20, base_delay_s=0.0, jitter=0.0)

    for _ in range(10):
        assert final_text(await collect(with_retries(flaky, policy))) == REPLY


async def test_timeout_hangs_then_raises_a_retryable_timeout() -> None:
    provider = with_failure(Counting(), "timeout:0.05", seed=0)
    started = time.monotonic()

    with pytest.raises(ProviderError) as failure:
        await collect(provider)

    assert time.monotonic() - started >= 0.05
    assert failure.value.retryable and not failure.value.permanent
    assert "timed out" in failure.value.message


async def test_garbage_streams_random_tokens_instead_of_the_reply() -> None:
    inner = Counting()
    items = await collect(with_failure(inner, "garbage", seed=1))

    text = "".join(str(item) for item in items)
    assert len(items) >= 8
    assert text != REPLY and not set(REPLY.split()) & set(text.split())
    assert inner.calls == 0
    assert await collect(with_failure(Counting(), "garbage", seed=1)) == items


async def test_garbage_respects_max_tokens() -> None:
    items = await collect(with_failure(Counting(), "garbage", seed=1), user_request(max_tokens=3))

    assert len(items) == 3


async def test_silent_gives_an_empty_reply() -> None:
    assert await collect(with_failure(Counting(), "silent", seed=0)) == []


async def test_wrapper_keeps_the_provider_name() -> None:
    inner = Counting()

    assert with_failure(inner, "silent", seed=0).name == inner.name


@pytest.mark.parametrize(
    ("text", "mode"),
    [
        ("decommissioned", FailureMode("decommissioned")),
        ("timeout", FailureMode("timeout", 30.0)),
        ("timeout:2.5", FailureMode("timeout", 2.5)),
        ("transient", FailureMode("transient", 0.3)),
        ("transient:0.05", FailureMode("transient", 0.05)),
        ("garbage", FailureMode("garbage")),
        ("silent", FailureMode("silent")),
        ("crash-after:2", FailureMode("crash-after", 2)),
    ],
)
def test_parse_failure_accepts_the_grammar_and_round_trips(text: str, mode: FailureMode) -> None:
    assert parse_failure(text) == mode
    assert parse_failure(str(mode)) == mode


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("", "unknown failure mode"),
        ("explode", "unknown failure mode"),
        ("Decommissioned", "unknown failure mode"),
        ("silent:3", "takes no argument"),
        ("timeout:soon", "needs a number"),
        ("timeout:0", "more than 0 seconds"),
        ("transient:1.5", "between 0 and 1"),
        ("transient:-0.1", "between 0 and 1"),
        ("crash-after", "whole number"),
        ("crash-after:1.5", "whole number"),
        ("crash-after:-1", "whole number"),
    ],
)
def test_parse_failure_rejects_bad_strings_clearly(text: str, complaint: str) -> None:
    with pytest.raises(ValueError, match=complaint) as failure:
        parse_failure(text)

    assert "\n" not in str(failure.value)
