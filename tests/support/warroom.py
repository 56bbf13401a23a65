"""Where the War Room corpus lives (``../shared/data/warroom`` next to the repository)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPOSITORY = Path(__file__).resolve().parents[2]
TRANSCRIPTS = Path(
    os.environ.get("CONVSCOPE_WARROOM", REPOSITORY.parent / "shared" / "data" / "warroom" / "Transcripts")
)
SERIES = ("A", "B", "C", "E", "F", "G", "H", "I", "J", "K1", "K2", "K3")


def transcripts() -> Path:
    """The transcripts folder, or a skip that says where it was looked for."""
    if not TRANSCRIPTS.is_dir():
        pytest.skip(f"War Room transcripts not found at {TRANSCRIPTS} (set CONVSCOPE_WARROOM)")
    return TRANSCRIPTS
