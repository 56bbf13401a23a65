"""The provider contract: ``stream(request)`` yields text deltas, plus a name.

Providers raise :class:`ProviderError` for anything that should become a failed turn;
``retryable`` and ``retry_after`` tell the retry layer what to do with it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

from convscope.core.agents import GenerationParams

Role = Literal["system", "user", "assistant"]


@dataclass(frozen=True)
class ChatMessage:
    role: Role
    content: str


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[ChatMessage, ...]
    params: GenerationParams = field(default_factory=GenerationParams)


@dataclass(frozen=True)
class Usage:
    """Token counts, yielded by a provider once it knows them (usually at the end)."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None


@dataclass(frozen=True)
class Restart:
    """Yielded by the retry layer when a stream is retried after partial output."""

    attempt: int
    reason: str
    delay_s: float


StreamItem = str | Usage | Restart


class ProviderError(Exception):
    """A failed call. ``permanent`` errors (a retired model, a bad key) are never retried."""

    def __init__(
        self,
        message: str,
        *,
        retryable: bool = False,
        permanent: bool = False,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.retryable = retryable
        self.permanent = permanent
        self.retry_after = retry_after


@runtime_checkable
class Provider(Protocol):
    """A backend. ``name`` is the spec it was resolved from (e.g. ``openai:gpt-4o-mini``)."""

    name: str

    def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]: ...


async def close_provider(provider: Provider) -> None:
    """Release what the provider holds, if anything (``aclose``): an SDK's HTTP client is bound
    to the loop it first ran on, and one collected after that loop has closed fails noisily."""
    close = getattr(provider, "aclose", None)
    if close is not None:
        await close()
