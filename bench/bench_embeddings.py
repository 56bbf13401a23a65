"""Embedded MiniLM and TwoNN speed on this machine: one JSON line per figure.

    .venv/bin/python bench/bench_embeddings.py [--threads N]

``--threads`` sets torch's intra-op threads; on a shared 2-core machine one thread can
beat two by a wide margin when another process is busy (oversubscription).
"""

from __future__ import annotations

import argparse
import json
import random
import time

import numpy as np

from convscope.core.metrics.embeddings import Embedder, default_embedder
from convscope.core.metrics.twonn import twonn

SENTENCE = (
    "the agents discuss a budget for the festival and agree on a plan with three phases because "
    "the deadline is tight so the backend team proposes a stack while marketing waits"
)
WORDS = SENTENCE.split(" ")


def emit(figure: str, value: float, unit: str, **context: object) -> None:
    print(json.dumps({"figure": figure, "value": round(value, 3), "unit": unit, **context}))


def texts(count: int, words: int, rng: random.Random) -> list[str]:
    return [" ".join(rng.choice(WORDS) for _ in range(words)) + f" ({i})" for i in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    import torch

    if args.threads:
        torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()

    start = time.perf_counter()
    default_embedder().encode_one("warm up")
    emit("embedding_model_load", time.perf_counter() - start, "s", threads=threads)

    rng = random.Random(0)
    for words in (10, 35, 120):
        batch = texts(128, words, rng)
        embedder = Embedder()
        start = time.perf_counter()
        embedder.encode(batch)
        emit(
            "embedding_throughput",
            len(batch) / (time.perf_counter() - start),
            "sentences/s",
            words=words,
            threads=threads,
        )
        start = time.perf_counter()
        embedder.encode(batch)
        emit(
            "embedding_cached_throughput",
            len(batch) / (time.perf_counter() - start),
            "sentences/s",
            words=words,
        )

    points = np.random.default_rng(0).standard_normal((2500, 384))
    start = time.perf_counter()
    twonn(points)
    emit("twonn_time", time.perf_counter() - start, "s", points=2500, dim=384)


if __name__ == "__main__":
    main()
