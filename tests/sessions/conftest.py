from __future__ import annotations

import pytest

from convscope.core.config import SessionConfig
from convscope.sessions.store import SessionStore
from tests.sessions.builders import make_config


@pytest.fixture
def store() -> SessionStore:
    """The default store, under the per-test CONVSCOPE_HOME."""
    return SessionStore()


@pytest.fixture
def config() -> SessionConfig:
    return make_config()
