"""Anthropic's Messages API, streamed. System messages go to the ``system`` parameter.

Only ``max_tokens`` is sent from GenerationParams: the SDK (2.x) speaks API version
2026-10-21, which rejects temperature, top_p and top_k on every model, and has no seed.
The SDK's retries are off: retry.py retries.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import anthropic
from anthropic import AsyncAnthropic
from anthropic.types import MessageParam

from convscope.core.agents import AgentSpec
from convscope.core.providers import registry
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, StreamItem, Usage
from convscope.core.providers.http_errors import connection_error, status_error

DEFAULT_TIMEOUT_S = 60.0


def split_system(messages: tuple[ChatMessage, ...]) -> tuple[str | None, list[MessageParam]]:
    """System messages joined (blank line between) for ``system``; the rest in order."""
    system = [m.content for m in messages if m.role == "system"]
    turns: list[MessageParam] = [
        {"role": "user", "content": m.content}
        if m.role == "user"
        else {"role": "assistant", "content": m.content}
        for m in messages
        if m.role != "system"
    ]
    return ("\n\n".join(system) if system else None), turns


def provider_error(err: anthropic.AnthropicError, base_url: str) -> ProviderError:
    """The SDK's exception as a ProviderError, with the server's reason (e.g. a retired model's notice)."""
    if isinstance(err, anthropic.APIStatusError):
        return status_error(err.status_code, err.body, err.response.headers)
    if isinstance(err, anthropic.APIConnectionError):
        return connection_error(err, base_url)
    return ProviderError(str(err))


class AnthropicProvider:
    def __init__(
        self,
        name: str,
        model: str,
        *,
        api_key: str | None,
        base_url: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url
        self._client = AsyncAnthropic(api_key=api_key, base_url=base_url, max_retries=0, timeout=timeout_s)

    def __repr__(self) -> str:
        return f"<AnthropicProvider {self.name}>"

    async def aclose(self) -> None:
        """Close the SDK's HTTP client on the loop that uses it."""
        await self._client.close()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        system, messages = split_system(request.messages)
        try:
            async with self._client.messages.stream(
                model=self.model,
                max_tokens=request.params.max_tokens,
                system=anthropic.omit if system is None else system,
                messages=messages,
            ) as stream:
                async for text in stream.text_stream:
                    yield text
                usage = (await stream.get_final_message()).usage
                yield Usage(usage.input_tokens, usage.output_tokens)
        except anthropic.AnthropicError as err:
            raise provider_error(err, self.base_url) from err


def create(target: str, agent: AgentSpec) -> AnthropicProvider:
    """``anthropic:MODEL``, at the official API or the agent's ``base_url``."""
    base_url = registry.endpoint(agent)
    assert base_url is not None  # an anthropic: agent always has one
    return AnthropicProvider(agent.provider, target, api_key=registry.api_key(agent), base_url=base_url)
