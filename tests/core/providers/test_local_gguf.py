"""transformers' GGUF loading parses a file once and builds gguf-py's name table once while
gguf_parsed_once is open (dequantising the embedded model: 23.6 s before, about 10 s)."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import gguf
import numpy as np
import pytest
from transformers.modeling_gguf_pytorch_utils import load_gguf_checkpoint

from convscope.core.providers.local_gguf import gguf_parsed_once


def _tiny_llama(path: Path) -> Path:
    writer = gguf.GGUFWriter(str(path), "llama")
    writer.add_block_count(1)
    writer.add_context_length(32)
    writer.add_embedding_length(8)
    writer.add_feed_forward_length(16)
    writer.add_head_count(2)
    writer.add_tensor("token_embd.weight", np.zeros((4, 8), dtype=np.float32))
    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


class CountingReader(gguf.GGUFReader):
    parsed: ClassVar[list[str]] = []

    def __init__(self, path: str | Path, mode: str = "r") -> None:  # type: ignore[override]
        CountingReader.parsed.append(str(path))
        super().__init__(path, mode)  # type: ignore[arg-type]


def test_transformers_parses_a_gguf_file_once_inside_the_block_and_every_time_outside(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    model = _tiny_llama(tmp_path / "tiny.gguf")
    monkeypatch.setattr(gguf, "GGUFReader", CountingReader)
    monkeypatch.setattr(CountingReader, "parsed", [])
    with gguf_parsed_once():
        first = load_gguf_checkpoint(str(model), return_tensors=False)
        second = load_gguf_checkpoint(str(tmp_path / "." / "tiny.gguf"), return_tensors=False)
    assert first["config"] == second["config"]
    assert first["config"]["num_hidden_layers"] == 1
    assert len(CountingReader.parsed) == 1  # the same file by another spelling: still once

    assert gguf.GGUFReader is CountingReader  # put back
    load_gguf_checkpoint(str(model), return_tensors=False)
    assert len(CountingReader.parsed) == 2


def test_the_tensor_name_table_is_built_once_per_architecture_inside_the_block() -> None:
    original = gguf.get_tensor_name_map
    with gguf_parsed_once():
        table = gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 30)
        assert gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 30) is table
        assert gguf.get_tensor_name_map(gguf.MODEL_ARCH.LLAMA, 2) is not table
    assert gguf.get_tensor_name_map is original
    assert original(gguf.MODEL_ARCH.LLAMA, 30) is not original(gguf.MODEL_ARCH.LLAMA, 30)


def test_a_failure_inside_the_block_still_puts_gguf_back() -> None:
    reader, table = gguf.GGUFReader, gguf.get_tensor_name_map
    with pytest.raises(RuntimeError), gguf_parsed_once():
        raise RuntimeError("the load failed")
    assert (gguf.GGUFReader, gguf.get_tensor_name_map) == (reader, table)
