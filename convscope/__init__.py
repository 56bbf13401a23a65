"""convscope: a terminal observatory for conversations between LLM agents.

The Python API (``load_session``, ``sessions_frame``, ``turns_frame``, ``metrics_frame``) is imported on first
use, so that ``import convscope`` (and so every ``convscope`` command) stays cheap: pandas
and pyarrow load only for the code that asks for a frame.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

__all__ = ["__version__", "load_session", "metrics_frame", "sessions_frame", "turns_frame"]

_LAZY = {
    "load_session": "convscope.integrations.sources",
    "sessions_frame": "convscope.integrations.frames",
    "turns_frame": "convscope.integrations.frames",
    "metrics_frame": "convscope.integrations.frames",
}

if TYPE_CHECKING:
    from convscope.integrations.frames import metrics_frame, sessions_frame, turns_frame
    from convscope.integrations.sources import load_session


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'convscope' has no attribute {name!r}")
