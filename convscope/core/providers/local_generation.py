"""One chat completion on a loaded model, run synchronously in a worker thread.

Text goes out through a callback as soon as the tokenizer can decode it, and a
``threading.Event`` stops generation between two tokens, so an abandoned stream frees
the CPU at once. Imports torch: call from worker threads only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol, cast

import torch
from transformers import (
    BatchEncoding,
    PreTrainedTokenizerBase,
    StoppingCriteria,
    StoppingCriteriaList,
    TextStreamer,
)

from convscope.core.agents import GenerationParams
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError, Usage
from convscope.core.providers.local_context import fit_to_context, prompt_budget
from convscope.core.providers.local_weights import Weights


def generate(
    weights: Weights, request: ChatRequest, stop: threading.Event, on_text: Callable[[str], None]
) -> Usage:
    """Generate a reply to ``request``, passing text deltas to ``on_text``; return the token counts.

    A prompt that would leave no room for ``max_tokens`` in the model's context loses its
    oldest conversation text first; a ``max_tokens`` that fills the whole context is a permanent
    error, not a silent cap (local_context.py).
    """
    tokenizer = weights.tokenizer
    if not tokenizer.chat_template:
        raise ProviderError("this local model has no chat template (is it a base model?)", permanent=True)
    budget = prompt_budget(weights.model.config.max_position_embeddings, request.params.max_tokens)
    inputs = _encode(tokenizer, fit_to_context(tokenizer, request.messages, budget))
    prompt_tokens = int(inputs["input_ids"].shape[1])
    if request.params.seed is not None:
        torch.manual_seed(request.params.seed)
    model = cast(_Generator, weights.model)
    with torch.inference_mode():
        output = model.generate(
            **inputs,
            **_sampling(request.params),
            max_new_tokens=request.params.max_tokens,
            streamer=_CallbackStreamer(weights.tokenizer, on_text),
            stopping_criteria=StoppingCriteriaList([_StopOnEvent(stop)]),
        )
    return Usage(prompt_tokens=prompt_tokens, completion_tokens=int(output.shape[1]) - prompt_tokens)


class _Generator(Protocol):
    """What we use of a causal LM: ``generate`` returning the token ids (prompt included).

    transformers' own annotation types ``self`` as a protocol its models do not declare.
    """

    def generate(self, **kwargs: Any) -> torch.Tensor: ...


def _encode(tokenizer: PreTrainedTokenizerBase, messages: tuple[ChatMessage, ...]) -> BatchEncoding:
    encoded = tokenizer.apply_chat_template(
        [{"role": m.role, "content": m.content} for m in messages],
        add_generation_prompt=True,
        return_tensors="pt",
        return_dict=True,
    )
    return cast(BatchEncoding, encoded)  # what return_dict=True gives


def _sampling(params: GenerationParams) -> dict[str, Any]:
    """Overrides of the model's generation defaults; greedy when temperature is 0 or unset."""
    if params.temperature:
        return {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p, "top_k": None}
    return {"do_sample": False, "temperature": None, "top_p": None, "top_k": None}


class _CallbackStreamer(TextStreamer):
    """Hands each decodable piece of the reply (never the prompt) to a callback."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, on_text: Callable[[str], None]) -> None:
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._on_text = on_text

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self._on_text(text)


class _StopOnEvent(StoppingCriteria):
    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self._stop.is_set(), dtype=torch.bool)  # type: ignore[return-value]
