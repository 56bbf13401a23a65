"""Retries with exponential backoff around any provider (the SDKs' own retries are off).

Retrying here rather than in the SDK lets a retry restart a stream that died after partial
output: a :class:`Restart` item tells the engine to discard the text streamed so far.
It is yielded before every new attempt (also when nothing was streamed yet), so the
engine can count retries and show the wait.

When it gives up, the last error is raised with its text unchanged: that text becomes the
failed turn's, which the other agents read, and convscope's own bookkeeping (how many
attempts, how long) has no place in their prompts. The turn records the count
(``Turn.retries``) and its times; :func:`gave_up_note` words it for the person watching.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass

from convscope.core.providers.base import (
    ChatRequest,
    Provider,
    ProviderError,
    Restart,
    StreamItem,
    close_provider,
)

Sleep = Callable[[float], Awaitable[None]]
Clock = Callable[[], float]


@dataclass(frozen=True)
class RetryPolicy:
    """How hard to try. Bounded both in attempts and in total time (sleeps included)."""

    max_attempts: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    max_total_s: float = 120.0
    jitter: float = 0.25  # backoff is scaled by a random factor in [1 - jitter, 1 + jitter]

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.base_delay_s, self.max_delay_s, self.max_total_s) < 0:
            raise ValueError("delays must not be negative")
        if not 0 <= self.jitter <= 1:
            raise ValueError("jitter must be between 0 and 1")

    def delay_s(self, attempt: int, retry_after: float | None, rng: random.Random) -> float:
        """Wait before the attempt after ``attempt``: backoff, at least Retry-After, at most max_delay_s."""
        backoff = self.base_delay_s * 2.0 ** (attempt - 1) * (1 + rng.uniform(-self.jitter, self.jitter))
        if retry_after is not None:
            backoff = max(backoff, retry_after)
        return min(backoff, self.max_delay_s)


def with_retries(
    provider: Provider,
    policy: RetryPolicy,
    *,
    sleep: Sleep = asyncio.sleep,
    clock: Clock = time.monotonic,
    rng: random.Random | None = None,
) -> Provider:
    """``provider`` retried on retryable ProviderErrors. ``sleep``/``clock``/``rng`` are seams for tests."""
    return _RetryingProvider(provider, policy, sleep, clock, rng or random.Random())


class _RetryingProvider:
    def __init__(
        self, inner: Provider, policy: RetryPolicy, sleep: Sleep, clock: Clock, rng: random.Random
    ) -> None:
        self.name = inner.name
        self.policy = policy
        self._inner = inner
        self._sleep = sleep
        self._clock = clock
        self._rng = rng

    def __repr__(self) -> str:
        return f"<{self.name} with retries: {self.policy}>"

    async def aclose(self) -> None:
        await close_provider(self._inner)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        started = self._clock()
        attempt = 1
        while True:
            try:
                async for item in self._inner.stream(request):
                    yield item
                return
            except ProviderError as err:
                delay = self._delay_or_give_up(err, attempt, started)
                reason = err.message
            attempt += 1
            yield Restart(attempt=attempt, reason=reason, delay_s=delay)
            await self._sleep(delay)

    def _delay_or_give_up(self, err: ProviderError, attempt: int, started: float) -> float:
        if not err.retryable or err.permanent:
            raise err
        delay = self.policy.delay_s(attempt, err.retry_after, self._rng)
        elapsed = self._clock() - started
        if attempt < self.policy.max_attempts and elapsed + delay <= self.policy.max_total_s:
            return delay
        raise err


def gave_up_note(retries: int, seconds: float) -> str:
    """What a failed turn that was retried cost, for people (never for the agents' prompts)."""
    attempts = retries + 1
    return f"gave up after {attempts} attempt{'s' if attempts > 1 else ''} in {seconds:.1f} s"
