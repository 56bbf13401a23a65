"""Every environment variable and user folder convscope reads, in one place.

Read at call time, not import time, so that tests (and a sweep's workers) can point
convscope elsewhere with the variables alone:

- ``CONVSCOPE_HOME``: data (sessions, sweeps) and the TUI's ``config.toml``; for tests,
  sweeps, portable installs and shared machines. Default: the platform's user data folder
  (data) and user config folder (``config.toml``).
- ``CONVSCOPE_CACHE``: what can be rebuilt (dequantised weights, embeddings). Default: the
  platform's user cache folder.
- ``CONVSCOPE_EMBEDDING_CACHE``: the embedding store's folder, or ``off``.
- ``CONVSCOPE_TOXICITY_MODEL``: the text-classification model folder ``analyze`` scores with.
- the API key variables the providers and agent specs name (``OPENAI_API_KEY``...).

Variables convscope *sets* to tune libraries (``OMP_NUM_THREADS``, ``HF_HUB_OFFLINE``) stay
beside the code they tune.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

HOME_ENV = "CONVSCOPE_HOME"
CACHE_ENV = "CONVSCOPE_CACHE"
EMBEDDING_CACHE_ENV = "CONVSCOPE_EMBEDDING_CACHE"
TOXICITY_MODEL_ENV = "CONVSCOPE_TOXICITY_MODEL"


def data_home() -> Path:
    """``$CONVSCOPE_HOME`` if set, else the platform's user data folder."""
    override = os.environ.get(HOME_ENV)
    if override:
        return Path(override).expanduser()
    return Path(platformdirs.user_data_dir("convscope", appauthor=False))


def config_file() -> Path:
    """The user's ``config.toml``: in ``$CONVSCOPE_HOME`` if set, else the platform's user config folder."""
    override = os.environ.get(HOME_ENV)
    folder = Path(override).expanduser() if override else Path(platformdirs.user_config_dir("convscope"))
    return folder / "config.toml"


def cache_root() -> Path:
    """``$CONVSCOPE_CACHE`` if set, else the platform's user cache folder. Deleting it costs
    time, never data."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir("convscope"))


def embedding_cache_setting() -> str:
    """``$CONVSCOPE_EMBEDDING_CACHE`` as written (empty when unset): a folder, or ``off``."""
    return os.environ.get(EMBEDDING_CACHE_ENV, "").strip()


def toxicity_model_setting() -> str | None:
    """``$CONVSCOPE_TOXICITY_MODEL``: the model folder ``analyze`` scores toxicity with, if any."""
    return os.environ.get(TOXICITY_MODEL_ENV) or None


def secret(variable: str) -> str:
    """The value of an API key variable (empty when unset). Never logged, never written."""
    return os.environ.get(variable, "")
