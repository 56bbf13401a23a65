"""Where convscope keeps what it can rebuild: dequantised model weights, embeddings.

``$CONVSCOPE_CACHE`` moves it (tests, shared machines); otherwise it is the platform's user
cache directory. Deleting it costs time, never data.
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

CACHE_ENV = "CONVSCOPE_CACHE"


def cache_root() -> Path:
    """``$CONVSCOPE_CACHE`` if set, else the platform's user cache directory for convscope."""
    override = os.environ.get(CACHE_ENV)
    return Path(override) if override else Path(platformdirs.user_cache_dir("convscope"))
