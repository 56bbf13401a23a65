"""The on-disk embedding store: vectors survive the process, a broken file costs only speed."""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

import numpy as np
import pytest

from convscope.core.metrics.embedding_store import EmbeddingStore, default_store, model_fingerprint
from convscope.core.metrics.embeddings import DIMENSION, Embedder, default_embedder, text_key


def _rows(count: int, seed: int = 0) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    return {f"key-{seed}-{i}": rng.standard_normal(DIMENSION).astype(np.float32) for i in range(count)}


def test_stored_rows_come_back_equal_and_unknown_keys_are_left_out(tmp_path: Path) -> None:
    rows = _rows(3)
    EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION).put_many(rows)
    reopened = EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION)  # as a later process would
    found = reopened.get_many([*rows, "never-stored"])
    assert set(found) == set(rows)
    for key, row in rows.items():
        np.testing.assert_array_equal(found[key], row)


def test_more_keys_than_one_query_can_bind_are_all_found(tmp_path: Path) -> None:
    rows = _rows(1200)
    store = EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION)
    store.put_many(rows)
    assert len(store.get_many(list(rows))) == 1200


def test_a_stored_row_costs_little_more_than_its_1536_bytes_on_disk(tmp_path: Path) -> None:
    """A corpus of 14,000 messages should cost tens of megabytes, not a page per row."""
    store = EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION)
    store.put_many(_rows(2000))
    store.close()
    assert (tmp_path / "e.sqlite3").stat().st_size / 2000 < 1.25 * 4 * DIMENSION


def test_a_row_of_the_wrong_length_counts_as_missing(tmp_path: Path) -> None:
    EmbeddingStore(tmp_path / "e.sqlite3", 8).put_many({"short": np.zeros(8, dtype=np.float32)})
    assert EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION).get_many(["short"]) == {}


def test_a_corrupt_file_is_reported_once_left_untouched_and_the_store_goes_on_empty(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "e.sqlite3"
    garbage = b"this is not a database" * 100
    path.write_bytes(garbage)
    store = EmbeddingStore(path, DIMENSION)
    with caplog.at_level(logging.WARNING):
        assert store.get_many(["a"]) == {}
        store.put_many(_rows(2))
        assert store.get_many(["a"]) == {}
    warnings = [r for r in caplog.records if "embedding cache" in r.getMessage()]
    assert len(warnings) == 1 and "delete the file" in warnings[0].getMessage()
    assert path.read_bytes() == garbage


def test_a_lock_held_past_the_busy_timeout_costs_one_batch_not_the_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    path = tmp_path / "e.sqlite3"
    store = EmbeddingStore(path, DIMENSION, busy_timeout_s=0.05)
    store.put_many(_rows(1, seed=1))
    other = sqlite3.connect(path)
    other.execute("BEGIN EXCLUSIVE")  # another process in the middle of a long write
    with caplog.at_level(logging.WARNING):
        store.put_many(_rows(1, seed=2))
    assert "busy" in caplog.text and "delete the file" not in caplog.text
    other.rollback()
    other.close()
    store.put_many(_rows(1, seed=3))
    assert set(store.get_many([*_rows(1, seed=1), *_rows(1, seed=2), *_rows(1, seed=3)])) == {
        "key-1-0",
        "key-3-0",
    }


def test_two_writers_opening_a_new_file_together_both_land(tmp_path: Path) -> None:
    """Corpus workers open the store at the same moment; neither may lose it to a lock error.
    (Repeated on fresh files: the race is at creation, and one try rarely hits it.)"""
    for attempt in range(20):
        path = tmp_path / f"e{attempt}.sqlite3"
        batches = [_rows(50, seed) for seed in (1, 2)]
        writers = [
            threading.Thread(target=EmbeddingStore(path, DIMENSION).put_many, args=(batch,))
            for batch in batches
        ]
        for writer in writers:
            writer.start()
        for writer in writers:
            writer.join()
        every = [key for batch in batches for key in batch]
        assert len(EmbeddingStore(path, DIMENSION).get_many(every)) == 100, f"attempt {attempt}"


def test_a_changed_model_configuration_gets_a_new_fingerprint(tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text('{"max_seq_length": 256}')
    (tmp_path / "model.safetensors").write_bytes(b"0" * 10)
    first = model_fingerprint(tmp_path)
    assert model_fingerprint(tmp_path) == first
    (tmp_path / "config.json").write_text('{"max_seq_length": 128}')
    assert model_fingerprint(tmp_path) != first


def test_the_store_can_be_turned_off_or_moved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "config.json").write_text("{}")
    monkeypatch.setenv("CONVSCOPE_EMBEDDING_CACHE", "off")
    assert default_store(tmp_path, DIMENSION) is None
    monkeypatch.setenv("CONVSCOPE_EMBEDDING_CACHE", str(tmp_path / "moved"))
    store = default_store(tmp_path, DIMENSION)
    assert store is not None and store.path.parent == tmp_path / "moved"
    monkeypatch.delenv("CONVSCOPE_EMBEDDING_CACHE")
    monkeypatch.setenv("CONVSCOPE_CACHE", str(tmp_path / "cache"))
    store = default_store(tmp_path, DIMENSION)
    assert store is not None and store.path.parent == tmp_path / "cache" / "embeddings"


@pytest.mark.slow
def test_a_second_embedder_on_the_same_store_computes_nothing(tmp_path: Path) -> None:
    texts = ["Le budget est serré.", "We ship the MVP in three months.", "Бюджет ограничен."]
    first = Embedder(store=EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION))
    computed = first.encode(texts)
    assert first.stored == 0
    later = Embedder(store=EmbeddingStore(tmp_path / "e.sqlite3", DIMENSION))
    np.testing.assert_array_equal(later.encode(texts), computed)
    assert (later.misses, later.stored) == (3, 3)  # all three from disk, none from the model
    later.encode(texts)
    assert later.hits == 3  # and from memory after that


@pytest.mark.slow
def test_the_process_wide_embedder_writes_what_it_computes_to_the_store(embedding_store_folder: Path) -> None:
    embedder = default_embedder()
    assert embedder.store is not None and embedder.store.path.parent == embedding_store_folder
    text = "A sentence only this test embeds, so that the store must get it from the model."
    row = embedder.encode_one(text)
    stored = EmbeddingStore(embedder.store.path, DIMENSION).get_many([text_key(text)])
    np.testing.assert_array_equal(stored[text_key(text)], row)
