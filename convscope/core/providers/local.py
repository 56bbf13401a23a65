"""The ``local:`` provider: models that run in this process, on the CPU.

A model is loaded once per process and shared by every agent that uses it. A GGUF model
(the embedded one included) runs on onnxruntime-genai, converted once and cached; a Hugging
Face folder, or a GGUF the conversion cannot take, runs on transformers. Requests that
arrive together (the simultaneous turns of a network round) are generated together, as one
batch, by a generation thread that lives while there is work; only text deltas cross back
to the event loop, via ``call_soon_threadsafe``, so the UI loop never waits on the model.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import ChatRequest, ProviderError, StreamItem
from convscope.core.providers.local_runtime import Item, Job, Runtime
from convscope.core.providers.local_sources import ModelSource, resolve_source

logger = logging.getLogger(__name__)

GENERATION_THREAD_PREFIX = "convscope-local-generation"
# How long a generation thread, once started, waits for the rest of a batch: the turns the
# engine starts together reach the provider within a few milliseconds of each other.
GATHER_S = 0.02

RuntimeName = Literal["onnx", "transformers"]


@dataclass
class LocalModel:
    """A loaded model, shared by all providers of its source in this process, with the
    requests waiting for it."""

    source: ModelSource
    runtime: Runtime
    _waiting: deque[Job] = field(default_factory=deque, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _working: bool = field(default=False, init=False)  # a generation thread is running

    def submit(self, job: Job) -> None:
        """Queue ``job``; a generation thread picks it up with whatever else is waiting."""
        with self._lock:
            self._waiting.append(job)
            if self._working:
                return
            self._working = True
        name = f"{GENERATION_THREAD_PREFIX}:{self.source.name}"
        threading.Thread(target=self._work, name=name, daemon=True).start()

    def _work(self) -> None:
        time.sleep(GATHER_S)
        while batch := self._next_batch():
            try:
                self.runtime.generate(batch)
            except Exception as error:  # handed to the consumers, which raise it as failed turns
                for job in batch:
                    job.fail(error)

    def _next_batch(self) -> list[Job]:
        """Up to a batch of waiting jobs still wanted; empty (and the thread ends) if none."""
        with self._lock:
            batch: list[Job] = []
            while self._waiting and len(batch) < self.runtime.max_batch:
                job = self._waiting.popleft()
                if job.stop.is_set():
                    job.fail(ProviderError("cancelled before it started"))
                else:
                    batch.append(job)
            self._working = bool(batch)
            return batch


# Keyed by file or folder and runtime, so that a name and a path to the same file share one copy.
_models: dict[tuple[Path, RuntimeName | None], LocalModel] = {}
_models_lock = threading.Lock()


def load_model(source: ModelSource, runtime: RuntimeName | None = None) -> LocalModel:
    """The process's one copy of ``source``, loaded on first use. Blocks: call from a thread.

    ``runtime`` None picks the fast one where it can serve: onnxruntime-genai for a GGUF file,
    transformers for a model folder or when the conversion fails.
    """
    key = (source.path, runtime)
    with _models_lock:
        model = _models.get(key)
        if model is None:
            try:
                loaded = _load_runtime(source, runtime)
            except Exception as error:  # any loader failure means this model cannot serve
                raise ProviderError(
                    f"local:{source.name}: cannot load {source.path}: {_one_line(error)}", permanent=True
                ) from error
            model = _models[key] = LocalModel(source, loaded)
        return model


def _load_runtime(source: ModelSource, runtime: RuntimeName | None) -> Runtime:
    if runtime == "onnx" or (runtime is None and source.is_gguf):
        try:
            return _load_onnx(source)
        except Exception as error:
            if runtime == "onnx":
                raise
            logger.warning("local:%s runs on transformers: %s", source.name, _one_line(error))
    from convscope.core.providers.local_generation import TransformersRuntime  # imports torch
    from convscope.core.providers.local_weights import load_weights

    return TransformersRuntime(load_weights(source))


def _load_onnx(source: ModelSource) -> Runtime:
    from convscope.core.providers.local_conversion import converted_folder
    from convscope.core.providers.local_onnx import OnnxRuntime

    return OnnxRuntime(converted_folder(source))


def loaded_model(source: ModelSource) -> LocalModel | None:
    """The default runtime's copy of ``source`` if it is loaded already (no waiting, no thread)."""
    with _models_lock:
        return _models.get((source.path, None))


def clear_loaded_models() -> None:
    """Forget every loaded model, so the next use loads afresh (tests, freeing memory)."""
    with _models_lock:
        _models.clear()


class LocalProvider:
    """Streams replies from a local model; created cheaply, loads the model on first use."""

    def __init__(self, name: str, source: ModelSource, runtime: RuntimeName | None = None) -> None:
        self.name = name
        self.source = source
        self.runtime: RuntimeName | None = runtime

    def __repr__(self) -> str:
        return f"<{self.name} from {self.source.path}>"

    async def loaded(self) -> LocalModel:
        """The shared model, loaded off the event loop if nobody has loaded it yet."""
        if self.runtime is None and (model := loaded_model(self.source)) is not None:
            return model  # at once, so that turns started together are queued together
        return await asyncio.to_thread(load_model, self.source, self.runtime)

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        model = await self.loaded()
        loop = asyncio.get_running_loop()
        queue: asyncio.Queue[Item] = asyncio.Queue()
        stop = threading.Event()

        def emit(item: Item) -> None:
            try:
                loop.call_soon_threadsafe(queue.put_nowait, item)
            except RuntimeError:  # the loop has closed: nobody is listening any more
                stop.set()

        model.submit(Job(request, stop, emit))
        try:
            while (item := await queue.get()) is not None:
                if isinstance(item, ProviderError):
                    raise item
                if isinstance(item, Exception):
                    raise ProviderError(f"{self.name}: generation failed: {_one_line(item)}") from item
                yield item
        finally:
            stop.set()  # a consumer that stops early (closed, cancelled, timed out) frees its row


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
    while one was inside a runtime's native code, its C++ runtime would abort it.
    """
    for thread in threading.enumerate():
        if thread.name.startswith(GENERATION_THREAD_PREFIX):
            thread.join(timeout_s)
