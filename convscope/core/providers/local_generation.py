"""The transformers runtime: one chat completion at a time, run synchronously in a worker thread.

The reference path, and the one for Hugging Face model folders. Text goes out through a
callback as soon as the tokenizer can decode it, and a ``threading.Event`` stops
generation between two tokens, so an abandoned stream frees the CPU at once. Imports
torch: call from worker threads only.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
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
from convscope.core.providers.local_runtime import Job
from convscope.core.providers.local_weights import Weights


class TransformersRuntime:
    """Loaded transformers weights as a runtime; serves one job at a time."""

    name = "transformers"
    max_batch = 1

    def __init__(self, weights: Weights) -> None:
        self.weights = weights
        self.load_seconds = weights.load_seconds

    def generate(self, jobs: Sequence[Job]) -> None:
        for job in jobs:
            try:
                job.finish(generate(self.weights, job.request, job.stop, job.text))
            except Exception as error:  # handed to the consumer, which raises it as a failed turn
                job.fail(error)


class HfPromptTokenizer:
    """A transformers tokenizer as the context cut needs it."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase) -> None:
        self.tokenizer = tokenizer

    def prompt_length(self, messages: tuple[ChatMessage, ...]) -> int:
        return int(_encode(self.tokenizer, messages)["input_ids"].shape[1])

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        encoded = self.tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
        return [(int(start), int(end)) for start, end in encoded["offset_mapping"]]


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
    inputs = _encode(tokenizer, fit_to_context(HfPromptTokenizer(tokenizer), request.messages, budget))
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
        sampling = {"do_sample": True, "temperature": params.temperature, "top_p": params.top_p}
    else:
        sampling = {"do_sample": False, "temperature": None, "top_p": None}
    return sampling | {"top_k": None, "repetition_penalty": params.repetition_penalty}


class _CallbackStreamer(TextStreamer):  # type: ignore[misc]  # transformers is not followed (pyproject)
    """Hands each decodable piece of the reply (never the prompt) to a callback."""

    def __init__(self, tokenizer: PreTrainedTokenizerBase, on_text: Callable[[str], None]) -> None:
        super().__init__(tokenizer, skip_prompt=True, skip_special_tokens=True)
        self._on_text = on_text

    def on_finalized_text(self, text: str, stream_end: bool = False) -> None:
        if text:
            self._on_text(text)


class _StopOnEvent(StoppingCriteria):  # type: ignore[misc]  # transformers is not followed (pyproject)
    def __init__(self, stop: threading.Event) -> None:
        self._stop = stop

    def __call__(self, input_ids: torch.LongTensor, scores: Any, **kwargs: Any) -> torch.BoolTensor:
        return torch.full((input_ids.shape[0],), self._stop.is_set(), dtype=torch.bool)
