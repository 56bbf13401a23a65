"""The user's TUI preferences, kept in ``config.toml`` so that a choice survives a restart.

Where: ``config_file()`` (see ``convscope.core.environment``). The TUI owns the ``[tui]``
table and leaves every other table of the file as it found it.
"""

from __future__ import annotations

import tomllib
from typing import Any

import tomli_w

from convscope.core.environment import config_file


def _read() -> dict[str, Any] | None:
    """The config as a mapping; None when the file exists but cannot be read as TOML."""
    try:
        return tomllib.loads(config_file().read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError):
        return None


def load_theme(default: str) -> str:
    tui = (_read() or {}).get("tui")
    value = tui.get("theme") if isinstance(tui, dict) else None
    return value if isinstance(value, str) and value else default


def save_theme(name: str) -> bool:
    """Remember the theme; a config file we cannot parse is left untouched (returns False)."""
    data = _read()
    if data is None:
        return False
    tui = data.get("tui")
    data["tui"] = {**(tui if isinstance(tui, dict) else {}), "theme": name}
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps(data), encoding="utf-8")
    temporary.replace(path)
    return True
