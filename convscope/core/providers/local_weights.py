"""Loading a local model's weights, through a cache of dequantised GGUF weights.

Dequantising the embedded GGUF takes about 10 s; loading the saved result takes well
under a second. The cache folder appears in one ``os.replace``, so an interrupted save
never leaves a half-written model behind. Imports torch: call from worker threads only.
"""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import torch
from transformers import (
    AutoModelForCausalLM,
    AutoTokenizer,
    GgufConfig,
    PreTrainedModel,
    PreTrainedTokenizerBase,
)
from transformers.utils import logging as transformers_logging

from convscope.core.providers.local_gguf import gguf_parsed_once
from convscope.core.providers.local_sources import ModelSource, cache_dir, write_entry_record
from convscope.core.taking_turns import taking_turns
from convscope.core.threads import limit_torch_threads

logger = logging.getLogger(__name__)

Origin = Literal["gguf", "cache", "folder"]
# Weights are cached in half precision (half the disk; fp16 holds Q4_1's fp16 scales times
# 4-bit ints to within rounding, where bfloat16 would not) and computed in float32: CPUs
# without native fp16 run half-precision prompt processing about 3x slower, and a
# conversation's prompt is long.
STORAGE_DTYPE = torch.float16
COMPUTE_DTYPE = torch.float32


@dataclass(frozen=True)
class Weights:
    model: PreTrainedModel
    tokenizer: PreTrainedTokenizerBase
    origin: Origin
    load_seconds: float


def load_weights(source: ModelSource) -> Weights:
    """Load ``source`` for CPU inference: a model folder directly, a GGUF through its cache."""
    _configure_torch()
    started = time.perf_counter()
    if not source.is_gguf:
        model, tokenizer = _load_folder(source.path)
        return Weights(model, tokenizer, "folder", time.perf_counter() - started)
    cached = cache_dir(source)
    if (fresh := _dequantise_into_cache(source, cached)) is not None:
        model, tokenizer = fresh
        # Computing with the stored (rounded) weights makes this run match every later one.
        return Weights(model.to(COMPUTE_DTYPE), tokenizer, "gguf", time.perf_counter() - started)
    model, tokenizer = _load_folder(cached)
    return Weights(model, tokenizer, "cache", time.perf_counter() - started)


def dequantised_folder(source: ModelSource) -> Path:
    """The GGUF's dequantised weights as a model folder in the cache, made now if missing
    (the fast runtime converts from it)."""
    folder = cache_dir(source)
    _dequantise_into_cache(source, folder)
    if not folder.is_dir():
        raise OSError(f"could not cache the dequantised weights in {folder}")
    return folder


def _dequantise_into_cache(
    source: ModelSource, folder: Path
) -> tuple[PreTrainedModel, PreTrainedTokenizerBase] | None:
    """Dequantise ``source`` and cache it in ``folder``, unless the folder is there already or
    another process made it while this one waited its turn; the fresh weights, or None."""
    if folder.is_dir():
        return None
    with taking_turns(folder):
        if folder.is_dir():
            return None
        _configure_torch()
        model, tokenizer = _dequantise(source)
        _save_to_cache(model, tokenizer, folder, source)
        return model, tokenizer


def _load_folder(folder: Path) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    tokenizer = AutoTokenizer.from_pretrained(folder)
    model = AutoModelForCausalLM.from_pretrained(folder, dtype=COMPUTE_DTYPE)
    return model, tokenizer


def _dequantise(source: ModelSource) -> tuple[PreTrainedModel, PreTrainedTokenizerBase]:
    folder, filename = source.path.parent, source.path.name
    with gguf_parsed_once():
        tokenizer = AutoTokenizer.from_pretrained(folder, gguf_file=filename)
        # An explicit dequantize=True makes the result a plain model that save_pretrained accepts.
        model = AutoModelForCausalLM.from_pretrained(
            folder,
            gguf_file=filename,
            dtype=STORAGE_DTYPE,
            quantization_config=GgufConfig(dequantize=True),
        )
    return model, tokenizer


def _save_to_cache(
    model: PreTrainedModel, tokenizer: PreTrainedTokenizerBase, folder: Path, source: ModelSource
) -> None:
    def write(target: Path) -> None:
        model.save_pretrained(target)
        tokenizer.save_pretrained(target)
        write_entry_record(target, source)

    try:
        write_dir_atomically(folder, write)
    except OSError as error:  # a full or read-only disk costs speed next time, not this run
        logger.warning("could not cache dequantised weights in %s: %s", folder, error)


def write_dir_atomically(final: Path, write: Callable[[Path], None]) -> None:
    """Fill a temporary sibling of ``final`` with ``write``, then rename it into place.

    If another process published ``final`` first, its copy is kept and ours discarded.
    """
    final.parent.mkdir(parents=True, exist_ok=True)
    temp = Path(tempfile.mkdtemp(prefix=f".{final.name}.partial-", dir=final.parent))
    try:
        write(temp)
        os.replace(temp, final)
    except OSError:
        if not final.is_dir():
            raise
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def _configure_torch() -> None:
    transformers_logging.disable_progress_bar()  # tqdm would scribble over a TUI
    limit_torch_threads()
