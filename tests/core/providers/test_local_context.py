"""Cutting a prompt to the local model's context, with the real SmolLM2 tokenizer.

The cut is tested without a model; that ``generate`` applies it, with a tiny randomly
initialised Llama whose context is 64 tokens (a fraction of a second, no weights to load).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator

import pytest
import torch
from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerBase

from convscope.core.agents import GenerationParams
from convscope.core.providers.base import ChatMessage, ChatRequest, ProviderError
from convscope.core.providers.local_context import CUT_MARKER, fit_to_context, prompt_budget
from convscope.core.providers.local_generation import HfPromptTokenizer, generate
from convscope.core.providers.local_sources import resolve_source
from convscope.core.providers.local_weights import Weights

SYSTEM = ChatMessage("system", "You are Agent-A in a group chat.\nOther agents: Agent-B, Agent-C")
NEWEST = "Agent-C: so the last thing we settle is the budget for the stage, 12,000 EUR."
CHAT = "\n".join(f"Agent-{'AB'[i % 2]}: point {i} of the plan, in some detail." for i in range(400))
LONG = (SYSTEM, ChatMessage("user", f"Plan a festival.\n{CHAT}\n{NEWEST}"))


@pytest.fixture(scope="module")
def hf_tokenizer() -> Iterator[PreTrainedTokenizerBase]:
    """SmolLM2's tokenizer alone, read from the embedded GGUF (seconds; the weights stay unloaded)."""
    source = resolve_source("smollm2-135m")
    yield AutoTokenizer.from_pretrained(source.path.parent, gguf_file=source.path.name)


@pytest.fixture(scope="module")
def tokenizer(hf_tokenizer: PreTrainedTokenizerBase) -> HfPromptTokenizer:
    return HfPromptTokenizer(hf_tokenizer)


def test_a_prompt_over_budget_keeps_the_system_message_and_the_newest_text_behind_a_marker(
    tokenizer: HfPromptTokenizer,
) -> None:
    budget = tokenizer.prompt_length(LONG) // 3
    system, user = fit_to_context(tokenizer, LONG, budget)
    assert tokenizer.prompt_length((system, user)) <= budget
    assert system == SYSTEM
    assert user.role == "user" and user.content.startswith(f"{CUT_MARKER}\n\n")
    tail = user.content.removeprefix(f"{CUT_MARKER}\n\n")
    assert tail.endswith(NEWEST) and LONG[1].content.endswith(tail)  # the newest text, verbatim
    assert "Plan a festival." not in user.content  # the oldest text went first


def test_a_message_used_up_goes_and_the_cut_continues_into_the_next(
    tokenizer: HfPromptTokenizer,
) -> None:
    messages = (
        SYSTEM,
        ChatMessage("user", CHAT),
        ChatMessage("assistant", "Noted."),
        ChatMessage("user", CHAT),
    )
    budget = tokenizer.prompt_length((SYSTEM, ChatMessage("user", CHAT))) - 50
    system, last = fit_to_context(tokenizer, messages, budget)
    assert tokenizer.prompt_length((system, last)) <= budget
    assert system == SYSTEM and last.role == "user" and last.content.startswith(CUT_MARKER)
    assert last.content.endswith(CHAT[-200:])


FIRST = ChatMessage("user", "Plan a festival for three hundred people.")
REPLY = ChatMessage("assistant", "Sure, a weekend by the lake.")
DIALOGUE = (SYSTEM, FIRST, REPLY, ChatMessage("user", NEWEST))


def text_tokens(tokenizer: HfPromptTokenizer, *messages: ChatMessage) -> int:
    """Tokens of the messages' text alone, as the cut counts them (no chat template)."""
    return sum(len(tokenizer.token_offsets(m.content)) for m in messages)


def test_a_cut_on_a_message_boundary_still_leaves_the_marker(tokenizer: HfPromptTokenizer) -> None:
    budget = tokenizer.prompt_length(DIALOGUE) - text_tokens(tokenizer, FIRST, REPLY)
    system, user = fit_to_context(tokenizer, DIALOGUE, budget)
    assert tokenizer.prompt_length((system, user)) <= budget
    assert system == SYSTEM and user.role == "user" and user.content.startswith(f"{CUT_MARKER}\n\n")
    assert NEWEST.endswith(user.content.removeprefix(f"{CUT_MARKER}\n\n"))


def test_an_assistant_message_left_at_the_front_goes_too(tokenizer: HfPromptTokenizer) -> None:
    budget = tokenizer.prompt_length(DIALOGUE) - text_tokens(tokenizer, FIRST)  # the cut ends at REPLY
    cut = fit_to_context(tokenizer, DIALOGUE, budget)
    assert tokenizer.prompt_length(cut) <= budget
    assert [m.role for m in cut] == ["system", "user"]  # the conversation still opens with a user
    assert cut[1].content.startswith(CUT_MARKER) and "lake" not in cut[1].content


def test_a_prompt_within_budget_is_untouched(tokenizer: HfPromptTokenizer) -> None:
    assert fit_to_context(tokenizer, LONG, tokenizer.prompt_length(LONG)) is LONG


def test_a_budget_below_the_system_message_is_a_one_line_permanent_error(
    tokenizer: HfPromptTokenizer,
) -> None:
    with pytest.raises(ProviderError) as caught:
        fit_to_context(tokenizer, LONG, tokenizer.prompt_length((SYSTEM,)) - 1)
    assert caught.value.permanent and "\n" not in str(caught.value) and "context" in str(caught.value)


def test_the_prompt_gets_the_context_left_after_the_reply() -> None:
    assert prompt_budget(8192, 256) == 7936


def test_a_max_tokens_that_fills_the_context_is_a_one_line_permanent_error() -> None:
    with pytest.raises(ProviderError) as caught:
        prompt_budget(8192, 32768)
    assert caught.value.permanent
    assert str(caught.value) == (
        "max_tokens 32768 leaves no room for a prompt in the model's context of 8192 tokens"
    )
    with pytest.raises(ProviderError):
        prompt_budget(8192, 8192)  # room for the reply alone is no room


@pytest.fixture(scope="module")
def small_context_model(hf_tokenizer: PreTrainedTokenizerBase) -> Weights:
    """SmolLM2's tokenizer with a tiny random Llama whose context is 64 tokens."""
    tokenizer = hf_tokenizer
    torch.manual_seed(0)
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=16,
        intermediate_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        max_position_embeddings=64,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return Weights(LlamaForCausalLM(config), tokenizer, "folder", 0.0)


def test_generation_cuts_a_prompt_over_the_context_to_leave_room_for_the_reply(
    small_context_model: Weights,
) -> None:
    request = ChatRequest(LONG, GenerationParams(temperature=0, max_tokens=8))
    usage = generate(small_context_model, request, threading.Event(), lambda text: None)
    assert usage.prompt_tokens is not None and usage.prompt_tokens <= 64 - 8


def test_generation_refuses_a_max_tokens_that_fills_the_context(small_context_model: Weights) -> None:
    request = ChatRequest(LONG, GenerationParams(temperature=0, max_tokens=64))
    with pytest.raises(ProviderError, match=r"max_tokens 64 leaves no room .* context of 64 tokens"):
        generate(small_context_model, request, threading.Event(), lambda text: None)
