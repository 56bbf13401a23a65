"""Which heavy libraries a piece of code imports, run in a fresh interpreter (this one has
imported everything already)."""

from __future__ import annotations

import json
import subprocess
import sys

_REPORT = (
    "\nimport json as _json, sys as _sys\n"
    "print(_json.dumps(sorted(m for m in {modules!r} if m in _sys.modules)))\n"
)


def imported_by(code: str, modules: tuple[str, ...]) -> list[str]:
    """The names in ``modules`` that are imported once ``code`` has run in a new process."""
    script = code + _REPORT.format(modules=modules)
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=60
    )
    return list(json.loads(result.stdout.strip().splitlines()[-1]))
