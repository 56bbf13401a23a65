"""Failure modes that wrap any provider, so a session can include an agent that breaks.

The War Room paper's failing agent was a real retired model; these modes reproduce that
and its cousins with realistic API error texts, reproducibly (a seeded RNG per wrapper).

Grammar (``AgentSpec.failure``)::

    decommissioned | timeout[:SECONDS] | transient[:P] | garbage | silent | crash-after:K
"""

from __future__ import annotations

import asyncio
import random
import string
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Literal, cast, get_args

from convscope.core.providers.base import ChatRequest, Provider, ProviderError, StreamItem, close_provider

FailureKind = Literal["decommissioned", "timeout", "transient", "garbage", "silent", "crash-after"]
_KINDS: tuple[str, ...] = get_args(FailureKind)
_DEFAULT_TIMEOUT_S = 30.0
_DEFAULT_TRANSIENT_P = 0.3

_DECOMMISSIONED = (
    "Error code: 400 - {{'error': {{'message': 'The model `{model}` has been decommissioned and is no "
    "longer supported. Please refer to https://console.groq.com/docs/deprecations for a recommendation "
    "on which model to use instead.', 'type': 'invalid_request_error', 'code': 'model_decommissioned'}}}}"
)
_TRANSIENT = (
    "Error code: 429 - Rate limit reached for model `{model}` on tokens per minute (TPM): "
    "Limit 6000, Used 5871, Requested 644. Please try again in 5.15s.",
    "Error code: 503 - {{'error': {{'message': 'The server is overloaded or not ready yet.', "
    "'type': 'server_error'}}}}",
    "Error code: 529 - {{'type': 'error', 'error': {{'type': 'overloaded_error', 'message': 'Overloaded'}}}}",
)
_CRASHED = (
    "Error code: 429 - {'error': {'message': 'You exceeded your current quota, please check your plan "
    "and billing details.', 'type': 'insufficient_quota', 'code': 'insufficient_quota'}}"
)


@dataclass(frozen=True)
class FailureMode:
    """A parsed mode. ``value`` is the timeout in seconds, the probability, or K."""

    kind: FailureKind
    value: float | None = None

    def __str__(self) -> str:
        return self.kind if self.value is None else f"{self.kind}:{self.value:g}"


def parse_failure(mode: str) -> FailureMode:
    """Validate a mode string; raise ValueError with the accepted grammar when it is wrong."""
    name, sep, arg = mode.strip().partition(":")
    grammar = "decommissioned, timeout[:SECONDS], transient[:P], garbage, silent, crash-after:K"
    if name not in _KINDS:
        raise ValueError(f"unknown failure mode {mode!r} (expected one of: {grammar})")
    kind = cast(FailureKind, name)
    if kind in ("decommissioned", "garbage", "silent"):
        if sep:
            raise ValueError(f"failure mode {kind!r} takes no argument (got {mode!r})")
        return FailureMode(kind)
    if kind == "crash-after":
        if not arg.isdigit():
            raise ValueError(f"failure mode {mode!r} needs a whole number of calls, e.g. 'crash-after:2'")
        return FailureMode("crash-after", int(arg))
    default = _DEFAULT_TIMEOUT_S if kind == "timeout" else _DEFAULT_TRANSIENT_P
    try:
        value = float(arg) if sep else default
    except ValueError:
        raise ValueError(f"failure mode {mode!r} needs a number after ':'") from None
    if kind == "timeout" and not value > 0:
        raise ValueError(f"failure mode {mode!r}: the timeout must be more than 0 seconds")
    if kind == "transient" and not 0 <= value <= 1:
        raise ValueError(f"failure mode {mode!r}: the probability must be between 0 and 1")
    return FailureMode(kind, value)


def with_failure(provider: Provider, mode: FailureMode | str, *, seed: int) -> Provider:
    """``provider`` behaving according to ``mode``; ``seed`` makes random modes reproducible."""
    parsed = parse_failure(mode) if isinstance(mode, str) else mode
    return _FailingProvider(provider, parsed, random.Random(seed))


def _model_of(name: str) -> str:
    """The model id in a provider spec, as an API would print it."""
    return name.partition(":")[2].rsplit("#", 1)[-1] or name


def _garbage(rng: random.Random, max_tokens: int) -> list[str]:
    alphabet = string.ascii_letters + string.digits + "#@%&*~^|<>{}"
    count = min(max_tokens, rng.randint(8, 40))
    return [" " + "".join(rng.choices(alphabet, k=rng.randint(1, 9))) for _ in range(count)]


class _FailingProvider:
    def __init__(self, inner: Provider, mode: FailureMode, rng: random.Random) -> None:
        self.name = inner.name
        self.mode = mode
        self._inner = inner
        self._rng = rng
        self._calls = 0

    def __repr__(self) -> str:
        return f"<{self.name} failing: {self.mode}>"

    async def aclose(self) -> None:
        await close_provider(self._inner)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        self._calls += 1
        kind, value, model = self.mode.kind, self.mode.value, _model_of(self.name)
        if kind == "decommissioned":
            raise ProviderError(_DECOMMISSIONED.format(model=model), permanent=True)
        if kind == "crash-after" and value is not None and self._calls > value:
            raise ProviderError(_CRASHED, permanent=True)
        if kind == "timeout" and value is not None:
            await asyncio.sleep(value)
            raise ProviderError(f"Request timed out (no response after {value:g} s).", retryable=True)
        if kind == "transient" and value is not None and self._rng.random() < value:
            raise ProviderError(self._rng.choice(_TRANSIENT).format(model=model), retryable=True)
        if kind == "silent":
            return
        if kind == "garbage":
            for token in _garbage(self._rng, request.params.max_tokens):
                yield token
            return
        async for item in self._inner.stream(request):
            yield item
