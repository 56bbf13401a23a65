"""Every test gets its own convscope home and no model hub access."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.openai_sse_server import openai_stub  # noqa: F401  (shared fixture)

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(autouse=True, scope="session")
def embedding_store_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Embeddings go to a folder of this test run, never to the user's cache (set before the
    process-wide embedder is built, and inherited by worker processes)."""
    folder = tmp_path_factory.mktemp("embedding-store")
    before = os.environ.get("CONVSCOPE_EMBEDDING_CACHE")
    os.environ["CONVSCOPE_EMBEDDING_CACHE"] = str(folder)
    yield folder
    if before is None:
        del os.environ["CONVSCOPE_EMBEDDING_CACHE"]
    else:
        os.environ["CONVSCOPE_EMBEDDING_CACHE"] = before


@pytest.fixture(autouse=True)
def convscope_home(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Path]:
    """Sessions and config go to a fresh folder, never to the user's real data directory."""
    home = tmp_path_factory.mktemp("convscope-home")
    monkeypatch.setenv("CONVSCOPE_HOME", str(home))
    yield home
