"""Embedded SmolLM2 on this machine: load times, generation speed, event-loop lag. One JSON line per figure.

    .venv/bin/python bench/bench_local.py [--threads N] [--tokens N]

The first load dequantises the GGUF into a temporary cache (the user's cache is left
alone); the cached load then reads that copy, as every later start of convscope does.
``--threads`` overrides the provider's choice of torch intra-op threads.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import tempfile
import time

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.providers import local
from convscope.core.providers.base import ChatMessage, ChatRequest, Usage

AGENT = AgentSpec(id="bench", nickname="Bench", provider="local:smollm2-135m")
PROMPT = (ChatMessage("user", "Write a long story about a lighthouse keeper and a storm."),)


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context}), flush=True)


async def lag_probe(worst: list[float], period: float = 0.01) -> None:
    """Records how late the loop wakes a 10 ms timer: the UI's view of a busy loop."""
    while True:
        before = time.perf_counter()
        await asyncio.sleep(period)
        worst[0] = max(worst[0], time.perf_counter() - before - period)


async def measure(tokens: int, threads: int | None) -> None:
    start = time.perf_counter()
    import torch
    import transformers  # noqa: F401  (its import cost is paid once per process, before any load)

    emit("torch_transformers_import", time.perf_counter() - start, "s")
    provider = local.create("smollm2-135m", AGENT)
    start = time.perf_counter()
    first = await provider.loaded()
    emit("local_first_load", time.perf_counter() - start, "s", origin=first.weights.origin)

    local.clear_loaded_models()
    start = time.perf_counter()
    cached = await provider.loaded()
    emit("local_cached_load", time.perf_counter() - start, "s", origin=cached.weights.origin)

    if threads:
        torch.set_num_threads(threads)
    request = ChatRequest(PROMPT, GenerationParams(temperature=0, max_tokens=tokens))
    worst = [0.0]
    probe = asyncio.create_task(lag_probe(worst))
    start = time.perf_counter()
    first_delta: float | None = None
    usage = Usage()
    async for item in provider.stream(request):
        if isinstance(item, str) and first_delta is None:
            first_delta = time.perf_counter() - start
        elif isinstance(item, Usage):
            usage = item
    elapsed = time.perf_counter() - start
    probe.cancel()
    generated = usage.completion_tokens or 0
    context = {"threads": torch.get_num_threads(), "tokens": generated}
    emit("local_time_to_first_delta", first_delta or elapsed, "s", **context)
    emit("local_generation_speed", generated / elapsed, "tokens/s", **context)
    emit("event_loop_max_lag_during_generation", worst[0] * 1000, "ms", **context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--tokens", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="convscope-bench-cache-") as cache:
        os.environ["CONVSCOPE_CACHE"] = cache
        asyncio.run(measure(args.tokens, args.threads))


if __name__ == "__main__":
    main()
