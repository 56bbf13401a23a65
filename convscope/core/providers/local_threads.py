"""How many CPU threads a local model computes with, whichever runtime runs it."""

from __future__ import annotations

import os

# One core stays free for the UI loop and the metrics: with every core busy, spinning
# inference threads slowed generation 5-10x here whenever another process ran. Small
# models gain little past four threads.
MAX_THREADS = 4


def inference_threads() -> int:
    """Threads for one model: all usable cores but one, at least one, at most MAX_THREADS."""
    return max(1, min(MAX_THREADS, _usable_cores() - 1))


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # honours taskset and container CPU limits
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
