"""transformers' GGUF loading, without the work it repeats.

transformers (5.24) parses a GGUF file's header once for the tokenizer, once for the config
and once for the weights (5.6 s each for the embedded model: gguf-py reads the 49,152-token
vocabulary one memory-mapped element at a time), and builds gguf-py's tensor-name table
afresh for each of the model's 397 modules (7.5 s in all). Dequantising the embedded model
took 23.6 s, most of a new user's first wait. Both are read-only and depend on their
arguments alone, so while :func:`gguf_parsed_once` is open each is made once and handed out
again: the same tensors, in about 10 s.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any, Literal

import gguf

Mode = Literal["r", "r+", "c"]
# One block at a time: a second, opened inside the first, would put the first's swap back.
_swapping = threading.Lock()


@contextmanager
def gguf_parsed_once() -> Iterator[None]:
    """Within the block, one GGUF reader per file and one tensor-name table per architecture.

    transformers imports both names from gguf-py inside its functions, so swapping them on
    the module reaches every call; they are put back when the block ends. Blocks in other
    threads wait for this one (not re-entrant).
    """
    with _swapping:
        reader_class, name_map = gguf.GGUFReader, gguf.get_tensor_name_map

        @cache
        def reader(path: str, mode: Mode) -> Any:
            return reader_class(path, mode)

        def shared_reader(path: str | Path, mode: Mode = "r") -> Any:
            return reader(str(Path(path).resolve()), mode)

        gguf.GGUFReader = shared_reader  # type: ignore[assignment,misc]
        gguf.get_tensor_name_map = cache(name_map)
        try:
            yield
        finally:
            gguf.GGUFReader = reader_class  # type: ignore[misc]
            gguf.get_tensor_name_map = name_map
