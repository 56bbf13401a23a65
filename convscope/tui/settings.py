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


def _load(key: str, default: str) -> str:
    tui = (_read() or {}).get("tui")
    value = tui.get(key) if isinstance(tui, dict) else None
    return value if isinstance(value, str) and value else default


def _save(key: str, value: str) -> bool:
    """Remember one choice; a config file we cannot parse is left untouched (returns False)."""
    data = _read()
    if data is None:
        return False
    tui = data.get("tui")
    data["tui"] = {**(tui if isinstance(tui, dict) else {}), key: value}
    path = config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".toml.tmp")
    temporary.write_text(tomli_w.dumps(data), encoding="utf-8")
    temporary.replace(path)
    return True


def load_theme(default: str) -> str:
    return _load("theme", default)


def save_theme(name: str) -> bool:
    return _save("theme", name)


def load_nickname(default: str) -> str:
    """The name the person last spoke under in a live session."""
    return _load("nickname", default)


def save_nickname(name: str) -> bool:
    return _save("nickname", name)
