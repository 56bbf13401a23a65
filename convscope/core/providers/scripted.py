"""Deterministic replies for tests and demos: a list, a file, an echo, a fixed text or a function.

Replies cycle in order, one per call, and stream word by word; the chunks join back to
the reply exactly, whitespace included.

Spec grammar (after ``scripted:``)::

    echo | text:TEXT | file:PATH      optionally followed by ?delay=SECONDS (per chunk)

A file holds one reply per paragraph (paragraphs are separated by blank lines).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import ChatRequest, StreamItem

ReplyFn = Callable[[ChatRequest], str]
_CHUNKS = re.compile(r"\s*\S+|\s+")
_DELAY_SUFFIX = re.compile(r"\?delay=(\d+(?:\.\d*)?|\.\d+)$")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n\s*")
_FORMS = "'scripted:echo', 'scripted:text:TEXT' or 'scripted:file:PATH' (optionally ?delay=SECONDS)"


def split_chunks(text: str) -> list[str]:
    """Word-sized chunks, each with its leading whitespace: ``''.join(split_chunks(t)) == t``."""
    return _CHUNKS.findall(text)


def echo_last_user(request: ChatRequest) -> str:
    """The last user message, verbatim (empty when there is none): a loop in a box."""
    return next((m.content for m in reversed(request.messages) if m.role == "user"), "")


class ScriptedProvider:
    """Give exactly one of ``replies`` (cycled) or ``reply_fn`` (called with the request)."""

    def __init__(
        self,
        name: str = "scripted",
        *,
        replies: Sequence[str] | None = None,
        reply_fn: ReplyFn | None = None,
        delay_s: float = 0.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        if (replies is None) == (reply_fn is None):
            raise ValueError("give exactly one of replies or reply_fn")
        if replies is not None and not replies:
            raise ValueError("a scripted provider needs at least one reply")
        if delay_s < 0:
            raise ValueError("delay_s must not be negative")
        self.name = name
        self._replies = tuple(replies or ())
        self._reply_fn = reply_fn
        self._delay_s = delay_s
        self._sleep = sleep
        self._calls = 0

    def __repr__(self) -> str:
        return f"<ScriptedProvider {self.name}>"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        if self._reply_fn is not None:
            reply = self._reply_fn(request)
        else:
            reply = self._replies[self._calls % len(self._replies)]
        self._calls += 1
        for chunk in split_chunks(reply):
            if self._delay_s:
                await self._sleep(self._delay_s)
            yield chunk


@dataclass(frozen=True)
class ScriptTarget:
    """A parsed ``scripted:`` target: fixed replies, or the echo; and the per-chunk delay."""

    replies: tuple[str, ...] = ()
    echo: bool = False
    delay_s: float = 0.0


def parse_target(target: str) -> ScriptTarget:
    """Parse (and, for ``file:``, read) a target; ValueError names the accepted forms."""
    delay = _DELAY_SUFFIX.search(target)
    source = target[: delay.start()] if delay else target
    delay_s = float(delay.group(1)) if delay else 0.0
    kind, _, rest = source.partition(":")
    if source == "echo":
        return ScriptTarget(echo=True, delay_s=delay_s)
    if kind == "text" and rest:
        return ScriptTarget(replies=(rest,), delay_s=delay_s)
    if kind == "file" and rest:
        path = Path(rest).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as err:
            raise ValueError(f"cannot read scripted replies from {str(path)!r}: {err.strerror}") from None
        replies = tuple(p for p in _PARAGRAPH_BREAK.split(text.strip()) if p)
        if not replies:
            raise ValueError(f"scripted replies file {str(path)!r} is empty")
        return ScriptTarget(replies=replies, delay_s=delay_s)
    raise ValueError(f"scripted target {target!r} is not one of {_FORMS}")


def create(target: str, agent: AgentSpec) -> ScriptedProvider:
    script = parse_target(target)
    if script.echo:
        return ScriptedProvider(agent.provider, reply_fn=echo_last_user, delay_s=script.delay_s)
    return ScriptedProvider(agent.provider, replies=script.replies, delay_s=script.delay_s)
