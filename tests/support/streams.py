"""Drain a provider's stream the way the engine reads it, for assertions."""

from __future__ import annotations

from convscope.core.agents import GenerationParams
from convscope.core.providers.base import ChatMessage, ChatRequest, Provider, Restart, StreamItem


def user_request(text: str = "Hello there", **params: object) -> ChatRequest:
    """A one-message request; ``params`` are GenerationParams fields."""
    return ChatRequest((ChatMessage("user", text),), GenerationParams.model_validate(params))


async def collect(provider: Provider, request: ChatRequest | None = None) -> list[StreamItem]:
    return [item async for item in provider.stream(request or user_request())]


def final_text(items: list[StreamItem]) -> str:
    """The text after the last Restart: what the engine keeps once partial output is discarded."""
    last_restart = max((i for i, item in enumerate(items) if isinstance(item, Restart)), default=-1)
    return "".join(item for item in items[last_restart + 1 :] if isinstance(item, str))
