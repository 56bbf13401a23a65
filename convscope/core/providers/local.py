"""The ``local:`` provider: models that run in this process, on the CPU.

A model is loaded once per process and shared by every agent that uses it, and its
generations take turns, since the CPU is the limit. Loading and generating run in worker
threads (torch is not even imported on the event loop); only text deltas cross back, via
``call_soon_threadsafe``, so the UI loop never waits on the model.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import ChatRequest, ProviderError, StreamItem, Usage
from convscope.core.providers.local_sources import ModelSource, resolve_source

if TYPE_CHECKING:
    from convscope.core.providers.local_weights import Weights

GENERATION_THREAD_PREFIX = "convscope-local-generation"

# What the generation thread sends to the loop; None marks the end.
_Item = str | Usage | Exception | None


@dataclass(frozen=True)
class LocalModel:
    """A loaded model, shared by all providers of its source in this process."""

    source: ModelSource
    weights: Weights
    generation_lock: threading.Lock = field(default_factory=threading.Lock, compare=False)


# Keyed by file or folder, so that a name and a path to the same file share one copy.
_models: dict[Path, LocalModel] = {}
_models_lock = threading.Lock()


def load_model(source: ModelSource) -> LocalModel:
    """The process's one copy of ``source``, loaded on first use. Blocks: call from a thread."""
    with _models_lock:
        model = _models.get(source.path)
        if model is None:
            from convscope.core.providers.local_weights import load_weights  # imports torch

            try:
                weights = load_weights(source)
            except Exception as error:  # any loader failure means this model cannot serve
                raise ProviderError(
                    f"local:{source.name}: cannot load {source.path}: {_one_line(error)}", permanent=True
                ) from error
            model = _models[source.path] = LocalModel(source, weights)
        return model


def clear_loaded_models() -> None:
    """Forget every loaded model, so the next use loads afresh (tests, freeing memory)."""
    with _models_lock:
        _models.clear()


class LocalProvider:
    """Streams replies from a local model; created cheaply, loads the model on first use."""

    def __init__(self, name: str, source: ModelSource) -> None:
        self.name = name
        self.source = source

    def __repr__(self) -> str:
        return f"<{self.name} from {self.source.path}>"

    async def loaded(self) -> LocalModel:
        """The shared model, loaded off the event loop if nobody has loaded it yet."""
        return await asyncio.to_thread(load_model, self.source)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        model = await self.loaded()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[_Item] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: _Item) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop has closed: nobody is listening any more
                stop.set()

        worker = threading.Thread(
            target=_generate_in_turn,
            args=(model, request, stop, emit),
            name=f"{GENERATION_THREAD_PREFIX}:{self.name}",
            daemon=True,
        )
        worker.start()
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, ProviderError):
                    raise item
                if isinstance(item, Exception):
                    raise ProviderError(f"{self.name}: generation failed: {_one_line(item)}") from item
                yield item
        finally:
            stop.set()  # a consumer that stops early (closed, cancelled, timed out) frees the CPU


def _generate_in_turn(
    model: LocalModel, request: ChatRequest, stop: threading.Event, emit: Callable[[_Item], None]
) -> None:
    from convscope.core.providers.local_generation import generate  # imports torch

    try:
        with model.generation_lock:
            if not stop.is_set():
                emit(generate(model.weights, request, stop, emit))
    except Exception as error:  # handed to the consumer, which raises it as a failed turn
        emit(error)
    finally:
        emit(None)


def _one_line(error: Exception) -> str:
    """Library errors can span many lines; a failed turn shows one."""
    lines = str(error).strip().splitlines()
    return f"{type(error).__name__}: {lines[0] if lines else ''}"


def create(target: str, agent: AgentSpec) -> LocalProvider:
    """Registry entry point; fails at once on an unknown name or a missing path."""
    del agent  # sampling parameters arrive with each request
    return LocalProvider(f"local:{target}", resolve_source(target))


def wait_for_generation_threads(timeout_s: float = 10.0) -> None:
    """Let an abandoned local-model generation notice its stop flag and end (one token at most).

    Call it before the process exits: those threads are daemons, and if the process ended
    while one was inside torch, the C++ runtime would abort it.
    """
    for thread in threading.enumerate():
        if thread.name.startswith(GENERATION_THREAD_PREFIX):
            thread.join(timeout_s)
