"""Embedded SmolLM2 on its two runtimes: load, decoding speed, batching. One JSON line per figure.

    .venv/bin/python bench/bench_local.py [--tokens N] [--repeats N]

Both runtimes stream the same greedy request through the ``local:`` provider, one after
the other, ``--repeats`` times: the machine may be busy (other jobs), so baseline and
candidate run interleaved and each ratio is the median of the per-pair ratios. Decoding
speed counts the tokens after the first over the time after the first delta (prefill
excluded), in wall time and in the process's CPU time (both runtimes compute one stream on
the same threads, one on 2 cores; CPU time is what other jobs on a shared machine disturb
least). The batch figure runs 8 simultaneous sampled requests (the turns of a network round)
against one alone, interleaved too, each counted as tokens over wall time and over CPU time;
a batch computes on every usable core (``threads`` in its figures), so its CPU-time ratio is
the one that says what batching alone buys. Every figure carries the load average. The
converted model comes from the user cache (the first run converts it, once).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import time

from convscope.core.agents import GenerationParams
from convscope.core.providers import local
from convscope.core.providers.base import ChatMessage, ChatRequest, Usage
from convscope.core.providers.local_sources import resolve_source
from convscope.core.threads import batch_threads, inference_threads

SYSTEM = ChatMessage("system", "You are Agent-A in a group chat.\nOther agents: Agent-B, Agent-C")
STORY = "Write a long story about a lighthouse keeper and a storm, with many details."
SIMULTANEOUS = 8


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    load = [round(x, 2) for x in os.getloadavg()]
    print(
        json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context, "loadavg": load}),
        flush=True,
    )


async def stream(provider: local.LocalProvider, request: ChatRequest) -> tuple[float, float, float, int]:
    """(time to first delta, wall time after it, the process's CPU time after it, completion
    tokens) of one request."""
    start = time.perf_counter()
    first: tuple[float, float] | None = None
    usage = Usage()
    async for item in provider.stream(request):
        if isinstance(item, str) and first is None:
            first = time.perf_counter(), time.process_time()
        elif isinstance(item, Usage):
            usage = item
    end = time.perf_counter(), time.process_time()
    first = first or end
    return first[0] - start, end[0] - first[0], end[1] - first[1], usage.completion_tokens or 0


async def decode_speed(provider: local.LocalProvider, tokens: int) -> tuple[float, float, float]:
    """(time to first delta in s, decoding tokens/s, decoding tokens per CPU second) of one
    greedy reply. Both runtimes compute on one thread: CPU time is what other jobs on a
    shared machine disturb least."""
    request = ChatRequest(
        (SYSTEM, ChatMessage("user", STORY)), GenerationParams(temperature=0, max_tokens=tokens)
    )
    to_first, after, cpu_after, generated = await stream(provider, request)
    return to_first, (generated - 1) / after, (generated - 1) / cpu_after


def sampled(index: int, tokens: int) -> ChatRequest:
    prompt = f"{STORY} Call the keeper by name number {index}."
    return ChatRequest(
        (SYSTEM, ChatMessage("user", prompt)),
        GenerationParams(temperature=0.7, max_tokens=tokens, seed=index),
    )


async def aggregate_speed(provider: local.LocalProvider, count: int, tokens: int) -> tuple[float, float]:
    """Tokens per second over the wall time, and per second of the process's CPU time, of
    ``count`` simultaneous requests."""
    start, start_cpu = time.perf_counter(), time.process_time()
    results = await asyncio.gather(*(stream(provider, sampled(i, tokens)) for i in range(count)))
    generated = sum(generated for *_, generated in results)
    return generated / (time.perf_counter() - start), generated / (time.process_time() - start_cpu)


async def measure(tokens: int, repeats: int) -> None:
    source = resolve_source("smollm2-135m")
    providers = {
        name: local.LocalProvider("local:smollm2-135m", source, name) for name in ("onnx", "transformers")
    }
    for provider in providers.values():
        start = time.perf_counter()
        model = await provider.loaded()
        emit("local_load", time.perf_counter() - start, "s", runtime=model.runtime.name)
        await decode_speed(provider, 8)  # warm-up: first-call allocations are not decoding

    fast, reference = providers["onnx"], providers["transformers"]
    pairs = [
        (await decode_speed(reference, tokens), await decode_speed(fast, tokens)) for _ in range(repeats)
    ]
    for index, name in ((0, "transformers"), (1, "onnxruntime-genai")):
        context = {"runtime": name, "tokens": tokens, "repeats": repeats}
        emit("local_time_to_first_delta", statistics.median(p[index][0] for p in pairs), "s", **context)
        emit("local_decode_speed", statistics.median(p[index][1] for p in pairs), "tokens/s", **context)
        cpu_speed = statistics.median(p[index][2] for p in pairs)
        emit("local_decode_speed_cpu_time", cpu_speed, "tokens/CPU s", **context)
    speedup = statistics.median(onnx[1] / torch[1] for torch, onnx in pairs)
    emit("decode_speedup_vs_transformers", speedup, "x", target=">= 5", tokens=tokens, repeats=repeats)
    cpu_speedup = statistics.median(onnx[2] / torch[2] for torch, onnx in pairs)
    emit("decode_speedup_vs_transformers_cpu_time", cpu_speedup, "x", tokens=tokens, repeats=repeats)

    rounds = [
        (await aggregate_speed(fast, 1, tokens), await aggregate_speed(fast, SIMULTANEOUS, tokens))
        for _ in range(repeats)
    ]
    threads = {"threads_single": inference_threads(), "threads_batch": batch_threads()}
    context = {"runtime": "onnxruntime-genai", "tokens": tokens, "repeats": repeats, **threads}
    single_speed, batch_speed = (statistics.median(r[index][0] for r in rounds) for index in (0, 1))
    emit("local_single_stream_throughput", single_speed, "tokens/s", **context)
    emit("local_batch8_aggregate_throughput", batch_speed, "tokens/s", **context)
    ratio = statistics.median(batch[0] / single[0] for single, batch in rounds)
    emit("batch8_aggregate_over_single", ratio, "x", target=">= 3", **context)
    cpu_ratio = statistics.median(batch[1] / single[1] for single, batch in rounds)
    emit("batch8_aggregate_over_single_cpu_time", cpu_ratio, "x", **context)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tokens", type=int, default=128)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    asyncio.run(measure(args.tokens, args.repeats))


if __name__ == "__main__":
    main()
