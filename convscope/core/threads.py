"""How many CPU threads a model computes with: a local chat model or a metric's model.

One core stays free for the UI loop and the rest of the session: with every core busy,
spinning inference threads slowed generation 5-10x here whenever another process ran.
A batch of several sequences is the exception (:func:`batch_threads`). Small models gain
little past four threads.
"""

from __future__ import annotations

import os

MAX_THREADS = 4


def inference_threads() -> int:
    """Threads for one model: all usable cores but one, at least one, at most MAX_THREADS."""
    return max(1, min(MAX_THREADS, _usable_cores() - 1))


def batch_threads() -> int:
    """Threads for a batch of several sequences: every usable core, at most MAX_THREADS.

    One sequence is bound by memory (a second thread bought 5-20 % here); a batch is bound by
    compute, so a second core runs it 1.4x as fast. Where this is more threads than
    :func:`inference_threads` (up to four cores), a batch gets a session whose threads do not
    spin: spinning threads made a batch 1.5x slower whenever another process kept a core busy.
    """
    return max(1, min(MAX_THREADS, _usable_cores()))


def limit_torch_threads() -> None:
    """torch computes with :func:`inference_threads` unless ``OMP_NUM_THREADS`` says otherwise.
    Imports torch: call where a torch model is loaded."""
    import torch

    if "OMP_NUM_THREADS" not in os.environ:
        torch.set_num_threads(inference_threads())


def _usable_cores() -> int:
    if hasattr(os, "sched_getaffinity"):  # honours taskset and container CPU limits
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1
