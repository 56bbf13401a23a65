"""Retry policy: backoff, Retry-After, bounds in count and time, Restart items. Time is simulated."""

from __future__ import annotations

import asyncio
import inspect
import random
from collections.abc import AsyncIterator

import pytest

from convscope.core.providers.base import ChatRequest, ProviderError, Restart, StreamItem
from convscope.core.providers.retry import RetryPolicy, gave_up_note, with_retries
from tests.support.streams import collect, final_text


class FakeTime:
    """A clock that only moves when the retry layer sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


class Flaky:
    """Each call plays the next outcome: an error (after optional partial text) or a reply."""

    name = "flaky:test"

    def __init__(self, *outcomes: ProviderError | str, partial: str = "") -> None:
        self.outcomes = list(outcomes)
        self.partial = partial
        self.calls = 0

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        outcome = self.outcomes[min(self.calls, len(self.outcomes) - 1)]
        self.calls += 1
        if isinstance(outcome, str):
            yield outcome
            return
        if self.partial:
            yield self.partial
        raise outcome


def busy(retry_after: float | None = None) -> ProviderError:
    return ProviderError("Error code: 503 - busy", retryable=True, retry_after=retry_after)


NO_JITTER = RetryPolicy(max_attempts=10, base_delay_s=1.0, max_delay_s=4.0, max_total_s=1000.0, jitter=0.0)


async def test_backoff_doubles_and_is_capped_at_max_delay() -> None:
    time = FakeTime()
    flaky = Flaky(busy(), busy(), busy(), busy(), "done")

    items = await collect(with_retries(flaky, NO_JITTER, sleep=time.sleep, clock=time.clock))

    assert time.sleeps == [1.0, 2.0, 4.0, 4.0]
    assert final_text(items) == "done"


async def test_retry_after_is_a_floor_and_max_delay_a_ceiling() -> None:
    time = FakeTime()
    flaky = Flaky(busy(retry_after=3.0), busy(retry_after=60.0), "done")

    await collect(with_retries(flaky, NO_JITTER, sleep=time.sleep, clock=time.clock))

    assert time.sleeps == [3.0, 4.0]


def test_jitter_stays_within_its_band() -> None:
    policy = RetryPolicy(base_delay_s=2.0, jitter=0.25)
    rng = random.Random(1)

    delays = [policy.delay_s(1, None, rng) for _ in range(500)]

    assert all(1.5 <= delay <= 2.5 for delay in delays)
    assert len(set(delays)) > 100  # it does vary


async def test_a_restart_announces_each_retry_after_the_partial_output() -> None:
    time = FakeTime()
    flaky = Flaky(busy(), busy(), "full reply", partial="half a rep")

    items = await collect(with_retries(flaky, NO_JITTER, sleep=time.sleep, clock=time.clock))

    assert items == [
        "half a rep",
        Restart(attempt=2, reason="Error code: 503 - busy", delay_s=1.0),
        "half a rep",
        Restart(attempt=3, reason="Error code: 503 - busy", delay_s=2.0),
        "full reply",
    ]


async def test_non_retryable_error_is_raised_at_once_unchanged() -> None:
    time = FakeTime()
    error = ProviderError("Error code: 400 - bad request")

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(Flaky(error), NO_JITTER, sleep=time.sleep, clock=time.clock))

    assert failure.value is error
    assert time.sleeps == []


async def test_permanent_error_is_never_retried_even_if_marked_retryable() -> None:
    flaky = Flaky(ProviderError("model decommissioned", retryable=True, permanent=True))

    with pytest.raises(ProviderError, match=r"^model decommissioned$"):
        await collect(with_retries(flaky, NO_JITTER, sleep=FakeTime().sleep))

    assert flaky.calls == 1


async def test_gives_up_after_max_attempts_saying_how_many() -> None:
    time = FakeTime()
    flaky = Flaky(busy())
    policy = RetryPolicy(max_attempts=3, base_delay_s=1.0, jitter=0.0)

    with pytest.raises(ProviderError) as failure:
        await collect(with_retries(flaky, policy, sleep=time.sleep, clock=time.clock))

    assert flaky.calls == 3
    assert failure.value.message == "Error code: 503 - busy"  # no bookkeeping: the agents read this
    assert failure.value.retryable and not failure.value.permanent


def test_the_note_for_people_says_how_many_attempts_and_how_long() -> None:
    assert gave_up_note(retries=3, seconds=8.04) == "gave up after 4 attempts in 8.0 s"
    assert gave_up_note(retries=0, seconds=0.2) == "gave up after 1 attempt in 0.2 s"


async def test_total_time_bound_counts_the_waits() -> None:
    time = FakeTime()
    flaky = Flaky(busy())
    policy = RetryPolicy(max_attempts=100, base_delay_s=1.0, max_delay_s=100.0, max_total_s=10.0, jitter=0.0)

    with pytest.raises(ProviderError):
        await collect(with_retries(flaky, policy, sleep=time.sleep, clock=time.clock))

    assert time.sleeps == [1.0, 2.0, 4.0]  # the next wait (8 s) would pass 10 s
    assert time.now <= policy.max_total_s


async def test_a_single_attempt_policy_never_sleeps() -> None:
    time = FakeTime()

    with pytest.raises(ProviderError):
        await collect(with_retries(Flaky(busy()), RetryPolicy(max_attempts=1), sleep=time.sleep))

    assert time.sleeps == []


def test_real_sleep_is_the_default() -> None:
    assert inspect.signature(with_retries).parameters["sleep"].default is asyncio.sleep


def test_retries_keep_the_wrapped_provider_name() -> None:
    assert with_retries(Flaky("x"), NO_JITTER).name == "flaky:test"


@pytest.mark.parametrize(
    "bad",
    [{"max_attempts": 0}, {"base_delay_s": -1.0}, {"max_total_s": -0.1}, {"jitter": 1.5}],
)
def test_policy_rejects_nonsense(bad: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**bad)  # type: ignore[arg-type]
