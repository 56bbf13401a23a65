"""What a local runtime is given to do: jobs (one chat completion each) and how they end.

A runtime runs a batch of jobs at once (onnxruntime-genai) or one at a time (transformers).
Each job streams its own text and ends on its own, with its token counts or an error, as
soon as its reply is done: a short reply in a batch does not wait for the longest.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Protocol

from convscope.core.providers.base import ChatRequest, Usage
from convscope.core.providers.local_sentences import SentenceGate

# What a job sends to the waiting stream; None marks the end.
Item = str | Usage | Exception | None


@dataclass
class Job:
    """One request in flight. ``stop`` is set when nobody listens any more (closed, cancelled,
    timed out): the runtime drops the job between two tokens."""

    request: ChatRequest
    stop: threading.Event
    emit: Callable[[Item], None]
    ended: bool = field(default=False, init=False)
    _sentences: SentenceGate | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.request.params.whole_sentences:
            self._sentences = SentenceGate()

    def text(self, delta: str) -> None:
        shown = delta if self._sentences is None else self._sentences.push(delta)
        if shown:
            self.emit(shown)

    def finish(self, usage: Usage) -> None:
        if self._sentences is not None and not self.ended:
            cut = (usage.completion_tokens or 0) >= self.request.params.max_tokens
            if rest := self._sentences.finish(cut):
                self.emit(rest)
        self._end(usage)

    def fail(self, error: Exception) -> None:
        self._end(error)

    def _end(self, last: Usage | Exception) -> None:
        if not self.ended:
            self.ended = True
            self.emit(last)
            self.emit(None)


class Runtime(Protocol):
    """A loaded model that generates. Blocking: called from a generation thread."""

    name: str
    max_batch: int
    load_seconds: float

    def generate(self, jobs: Sequence[Job]) -> None:
        """Run ``jobs`` (at most ``max_batch``) to their end, ending each one."""
        ...
