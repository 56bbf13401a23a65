"""OpenAI chat completions, streamed, for OpenAI itself and every server that speaks its API.

The SDK's retries are off (``max_retries=0``): retry.py retries, so that it can restart a
stream that died midway and tell the engine. Usage is requested with
``stream_options.include_usage``; a server that refuses the option gets the request again
without it, once, and never again for this provider.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Literal

import openai
from openai import AsyncOpenAI, AsyncStream
from openai.types.chat import ChatCompletionChunk, ChatCompletionMessageParam

from convscope.core.agents import AgentSpec
from convscope.core.providers import registry
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, StreamItem, Usage
from convscope.core.providers.http_errors import connection_error, status_error

DEFAULT_TIMEOUT_S = 60.0
# Local servers (Ollama, llama.cpp) ignore the key but the SDK insists on one; never fall
# back to OPENAI_API_KEY, which would send a real OpenAI key to a third-party server.
_NO_KEY = "no-key"


class OpenAIProvider:
    """``max_tokens_field``: OpenAI's current name is ``max_completion_tokens``; most
    compatible servers only know ``max_tokens``."""

    def __init__(
        self,
        name: str,
        model: str,
        *,
        api_key: str | None,
        base_url: str,
        timeout_s: float = DEFAULT_TIMEOUT_S,
        max_tokens_field: Literal["max_tokens", "max_completion_tokens"] = "max_tokens",
    ) -> None:
        self.name = name
        self.model = model
        self.base_url = base_url
        self._max_tokens_field = max_tokens_field
        self._include_usage = True
        self._client = AsyncOpenAI(
            api_key=api_key or _NO_KEY, base_url=base_url, max_retries=0, timeout=timeout_s
        )

    def __repr__(self) -> str:
        return f"<OpenAIProvider {self.name}>"

    @property
    def closed(self) -> bool:
        return self._client.is_closed()

    async def aclose(self) -> None:
        """Close the SDK's HTTP client on the loop that uses it."""
        await self._client.close()

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        try:
            chunks = await self._open(request)
            async with chunks:
                async for chunk in chunks:
                    if chunk.usage is not None:
                        yield Usage(chunk.usage.prompt_tokens, chunk.usage.completion_tokens)
                    text = chunk.choices[0].delta.content if chunk.choices else None
                    if text:
                        yield text
        except openai.APIStatusError as err:
            raise status_error(err.status_code, err.body, err.response.headers) from err
        except openai.APIConnectionError as err:
            raise connection_error(err, self.base_url) from err
        except openai.APIError as err:  # an error event inside the stream: the server failed midway
            raise ProviderError(str(err), retryable=True) from err
        except openai.OpenAIError as err:
            raise ProviderError(str(err)) from err
        except json.JSONDecodeError as err:
            raise ProviderError(f"malformed stream chunk from {self.name}: {err}") from err

    async def _open(self, request: ChatRequest) -> AsyncStream[ChatCompletionChunk]:
        try:
            return await self._create(request)
        except openai.BadRequestError as err:
            if not (self._include_usage and "stream_options" in f"{err} {err.body}"):
                raise
        self._include_usage = False
        return await self._create(request)

    async def _create(self, request: ChatRequest) -> AsyncStream[ChatCompletionChunk]:
        params = request.params
        limit = params.max_tokens
        return await self._client.chat.completions.create(
            model=self.model,
            messages=[_message(m) for m in request.messages],
            stream=True,
            stream_options={"include_usage": True} if self._include_usage else openai.omit,
            temperature=openai.omit if params.temperature is None else params.temperature,
            top_p=openai.omit if params.top_p is None else params.top_p,
            seed=openai.omit if params.seed is None else params.seed,
            max_tokens=limit if self._max_tokens_field == "max_tokens" else openai.omit,
            max_completion_tokens=limit if self._max_tokens_field == "max_completion_tokens" else openai.omit,
        )


def _message(message: ChatMessage) -> ChatCompletionMessageParam:
    if message.role == "system":
        return {"role": "system", "content": message.content}
    if message.role == "user":
        return {"role": "user", "content": message.content}
    return {"role": "assistant", "content": message.content}


def create(target: str, agent: AgentSpec) -> OpenAIProvider:
    """``openai:MODEL``, at the official API or the agent's ``base_url``."""
    return OpenAIProvider(
        agent.provider,
        target,
        api_key=registry.api_key(agent),
        base_url=_endpoint(agent),
        max_tokens_field="max_completion_tokens",
    )


def _endpoint(agent: AgentSpec) -> str:
    url = registry.endpoint(agent)
    assert url is not None  # both backends of this module make HTTP calls
    return url


def create_compatible(target: str, agent: AgentSpec) -> OpenAIProvider:
    """``openai-compatible:BASE_URL#MODEL``."""
    _, model = registry.split_compatible_target(target)
    return OpenAIProvider(agent.provider, model, api_key=registry.api_key(agent), base_url=_endpoint(agent))
