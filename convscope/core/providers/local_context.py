"""Cutting a prompt to a local model's context, oldest text first.

A group chat's prompt is one user message that grows every turn, and a long session
outgrows a small model's context (8192 tokens for SmolLM2-135M). Rather than fail, the
model sees the conversation's end: system messages stay whole, the oldest conversation
text goes, and a marker says where the cut is. Pure (a tokenizer in, messages out), so it
is tested with the real tokenizer and no generation. Each runtime hands in its own
tokenizer behind :class:`PromptTokenizer`.
"""

from __future__ import annotations

from typing import Protocol

from convscope.core.providers.base import ChatMessage, ProviderError

CUT_MARKER = "[earlier conversation cut to fit the model's context]"


class PromptTokenizer(Protocol):
    """What the cut needs of a model's tokenizer."""

    def prompt_length(self, messages: tuple[ChatMessage, ...]) -> int:
        """Tokens of the prompt the model is given: the chat template applied, ready for the reply."""
        ...

    def token_offsets(self, text: str) -> list[tuple[int, int]]:
        """The character span of each token of ``text``, tokenised alone (no special tokens)."""
        ...


def prompt_budget(context: int, max_tokens: int) -> int:
    """Tokens left for the prompt in a model's ``context`` once the reply's ``max_tokens`` are set aside.

    A ``max_tokens`` that fills the context fails permanently rather than being capped: the
    reply's length is the user's setting, and quietly shortening it would change their run.
    """
    budget = context - max_tokens
    if budget <= 0:
        raise ProviderError(
            f"max_tokens {max_tokens} leaves no room for a prompt in the model's context of {context} tokens",
            permanent=True,
        )
    return budget


def fit_to_context(
    tokenizer: PromptTokenizer, messages: tuple[ChatMessage, ...], budget: int
) -> tuple[ChatMessage, ...]:
    """``messages`` unchanged if their prompt (chat template included) is at most ``budget``
    tokens; else with tokens dropped from the start of the non-system messages, oldest first,
    behind a marker on the first user message kept.

    Each try is re-encoded and the cut deepened by what is still over, since text does not
    tokenise the same once cut (the marker adds tokens, and the cut moves token boundaries).
    Raises a permanent ProviderError when even the system messages and the end of the last
    message do not fit.
    """
    length = tokenizer.prompt_length(messages)
    cut = messages
    drop = 0
    while length > budget:
        drop += length - budget
        trimmed = _drop_oldest(tokenizer, messages, drop)
        if trimmed is None:
            raise ProviderError(
                f"the prompt cannot be cut to fit the model's context: its system messages and the end of "
                f"its last message need more than the {budget} tokens left after the reply's max_tokens",
                permanent=True,
            )
        cut, length = trimmed, tokenizer.prompt_length(trimmed)
    return cut


def _drop_oldest(
    tokenizer: PromptTokenizer, messages: tuple[ChatMessage, ...], drop: int
) -> tuple[ChatMessage, ...] | None:
    """Without the first ``drop`` tokens of non-system text: messages used up go, and so do
    assistant messages left at the front (chat templates that need alternating roles reject a
    conversation that opens with one). The first message kept starts with the marker, even
    when the cut falls on a message boundary. None if no user message would be left.
    """
    kept: list[ChatMessage] = []
    left = drop
    marked = False
    for message in messages:
        if message.role == "system" or marked:
            kept.append(message)
            continue
        tail = message.content
        if left:
            offsets = tokenizer.token_offsets(message.content)
            if left >= len(offsets):
                left -= len(offsets)
                continue
            tail = message.content[offsets[left][0] :]  # cut at a character: the tail is verbatim
            left = 0
        if message.role == "user":
            kept.append(ChatMessage("user", f"{CUT_MARKER}\n\n{tail}"))
            marked = True
    return tuple(kept) if marked else None
