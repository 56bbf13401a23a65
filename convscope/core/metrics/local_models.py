"""Loading Hugging Face models from local folders: with the hub off and without progress bars."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from convscope.core.threads import limit_torch_threads


@contextmanager
def quiet_offline_loading() -> Iterator[None]:
    """Load inside this block: the hub is switched off before transformers is first imported
    (it reads the flag once); the weight-loading progress bar and transformers' warnings (a
    whole table of mismatched weights, for one), which write to stderr and would tear a TUI
    screen or a printed table, are off until the block ends. torch gets the house's thread
    count (convscope/core/threads.py): left at every core, it slowed a busy machine's
    embeddings several times over."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as hf_logging

    limit_torch_threads()

    was_enabled = hf_logging.is_progress_bar_enabled()
    verbosity = hf_logging.get_verbosity()
    hf_logging.disable_progress_bar()
    hf_logging.set_verbosity_error()
    try:
        yield
    finally:
        hf_logging.set_verbosity(verbosity)
        if was_enabled:
            hf_logging.enable_progress_bar()
