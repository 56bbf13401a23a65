"""The model cache: which entries this installation still reads, and pruning the others.

Entries are real folders on disk, made as the providers make them (the record written by
``write_entry_record``, the folder named by ``cache_dir``/``onnx_dir``), without a model.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from tokenizers import Tokenizer
from tokenizers.models import WordLevel
from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

from convscope.core.providers import local_weights
from convscope.core.providers.local_cache import ABANDONED_AFTER_S, cache_entries, prune
from convscope.core.providers.local_sources import (
    ModelSource,
    cache_dir,
    entries_for,
    entry_source,
    models_folder,
    onnx_dir,
    resolve_source,
    write_entry_record,
)
from tests.e2e.cli_support import convscope


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def _gguf(path: Path, body: bytes = b"") -> ModelSource:
    path.write_bytes(b"GGUF" + (3).to_bytes(4, "little") + body)
    return resolve_source(str(path))


def _entry(folder: Path, source: ModelSource | None, megabytes: int = 1) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.data").write_bytes(b"\0" * megabytes * 1_000_000)
    if source is not None:
        write_entry_record(folder, source)
    return folder


def test_each_entry_says_who_reads_it_or_why_nothing_does(cache: Path, tmp_path: Path) -> None:
    kept = _gguf(tmp_path / "kept.gguf")
    weights, converted = (_entry(folder, kept) for folder in entries_for(kept))
    embedded = resolve_source("smollm2-135m")
    unrecorded_but_embedded = _entry(onnx_dir(embedded), None)
    gone = _gguf(tmp_path / "gone.gguf")
    gone_entry = _entry(cache_dir(gone), gone)
    gone.path.unlink()
    changed = _gguf(tmp_path / "changed.gguf")
    changed_entry = _entry(cache_dir(changed), changed)
    _gguf(changed.path, body=b"another version")
    old = _entry(models_folder() / "SmolLM2-135M-Instruct.Q4_1-0123456789ab", None)
    (models_folder() / ".locks").mkdir()
    assert (models_folder() / ".digests").is_dir()  # the files' digests, remembered

    entries = {entry.path: entry for entry in cache_entries()}

    assert set(entries) == {weights, converted, unrecorded_but_embedded, gone_entry, changed_entry, old}
    assert entries[weights].reads_it == entries[converted].reads_it == f"local:{kept.path}"
    assert entries[unrecorded_but_embedded].reads_it == "local:smollm2-135m"
    assert entries[gone_entry].why_stale == f"its model file is gone: {gone.path}"
    assert entries[changed_entry].why_stale.startswith("its model file changed")
    assert entries[old].why_stale == "no record of its model file (an earlier release made it)"
    assert entries[old].size == 1_000_000


def test_prune_deletes_only_the_stale_entries_and_counts_their_bytes(cache: Path, tmp_path: Path) -> None:
    kept = _gguf(tmp_path / "kept.gguf")
    read = _entry(cache_dir(kept), kept, megabytes=2)
    old = _entry(models_folder() / "model-0123456789ab", None, megabytes=3)

    assert prune(cache_entries()) == 3_000_000

    assert read.is_dir() and not old.exists()
    assert [entry.path for entry in cache_entries()] == [read]


def test_a_conversion_left_half_done_is_stale_only_once_no_conversion_could_still_be_writing_it(
    cache: Path,
) -> None:
    fresh = _entry(models_folder() / ".model-onnx-0123456789ab.partial-1", None)
    abandoned = _entry(models_folder() / ".model-onnx-0123456789ab.partial-2", None)
    hours_ago = time.time() - ABANDONED_AFTER_S - 60
    os.utime(abandoned, (hours_ago, hours_ago))

    [entry] = cache_entries()

    assert entry.path == abandoned and entry.why_stale == "left by an interrupted conversion"
    assert fresh.is_dir()


def test_dequantised_weights_saved_to_the_cache_record_their_model_file(
    cache: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = _gguf(tmp_path / "tiny.gguf")
    vocabulary = {"[UNK]": 0, "a": 1, "b": 2, "c": 3}
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=Tokenizer(WordLevel(vocabulary, unk_token="[UNK]")))
    config = LlamaConfig(
        vocab_size=4, hidden_size=8, intermediate_size=16, num_hidden_layers=1, num_attention_heads=2
    )
    monkeypatch.setattr(local_weights, "_dequantise", lambda _: (LlamaForCausalLM(config), tokenizer))

    folder = local_weights.dequantised_folder(source)

    assert (folder / "config.json").is_file()
    assert entry_source(folder) == source
    [entry] = cache_entries()
    assert entry.reads_it == f"local:{source.path}"


def test_the_cache_command_lists_the_entries_and_prune_frees_the_stale_ones(tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    old = _entry(cache / "models" / "model-0123456789ab", None, megabytes=2)
    env = {"CONVSCOPE_CACHE": str(cache)}

    listed = convscope("cache", home=tmp_path / "home", env=env)
    assert listed.returncode == 0, listed.stderr
    assert f"{cache / 'models'}: 1 entries, 2 MB" in listed.stdout
    assert "model-0123456789ab" in listed.stdout and "stale: no record of its model file" in listed.stdout
    assert "1 stale, 2 MB: `convscope cache --prune` deletes them" in listed.stdout

    pruned = convscope("cache", "--prune", home=tmp_path / "home", env=env)
    assert pruned.returncode == 0, pruned.stderr
    assert pruned.stdout.strip() == f"deleted 1 stale entries of {cache / 'models'}, 2 MB freed"
    assert not old.exists()


def test_the_cache_command_on_a_cache_never_used(tmp_path: Path) -> None:
    env = {"CONVSCOPE_CACHE": str(tmp_path / "nothing-here")}
    listed = convscope("cache", home=tmp_path / "home", env=env)
    assert listed.returncode == 0, listed.stderr
    assert listed.stdout.strip() == f"{tmp_path / 'nothing-here' / 'models'}: 0 entries, 0 MB"
