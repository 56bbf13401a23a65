"""Session configs as TOML files, and the presets shipped with convscope.

Parsing is total: whatever a file holds (binary data, nesting 50,000 deep, an integer of
5,000 digits, a value of the wrong type) becomes one ConfigError line naming the file.
"""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError
from convscope.core.plain_data import MAX_DEPTH, parser_complaint, plain_data_problem


def preset_names() -> list[str]:
    folder = resources.files("convscope") / "presets"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_text_file(path: Path) -> str:
    """A config file's text; unreadable or not UTF-8 is a ConfigError naming the file."""
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not UTF-8 text, so not a TOML file") from None


def read_config_text(ref: str) -> tuple[str, str]:
    """The TOML text of a preset name or a file path, and where it came from."""
    path = Path(ref)
    if ref.endswith(".toml") or path.exists():
        return read_text_file(path), str(path)
    if ref in preset_names():
        preset = resources.files("convscope") / "presets" / f"{ref}.toml"
        return preset.read_text(encoding="utf-8"), f"preset {ref}"
    raise ConfigError(f"no preset or file named {ref!r} (presets: {', '.join(preset_names())})")


def parse_toml(text: str, origin: str) -> dict[str, Any]:
    """The table in ``text``, within ``core.plain_data``'s bounds, or a one-line ConfigError."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}") from None
    except RecursionError:
        raise ConfigError(f"{origin}: invalid TOML: nested deeper than {MAX_DEPTH} levels") from None
    except ValueError as exc:  # Python's limit on the digits of an integer
        raise ConfigError(f"{origin}: invalid TOML: {parser_complaint(exc)}") from None
    problem = plain_data_problem(data)
    if problem is not None:
        raise ConfigError(f"{origin}: invalid TOML: {problem}")
    return data


def parse_config(text: str, origin: str) -> SessionConfig:
    return validate_config(parse_toml(text, origin), origin)


def first_validation_error(exc: ValidationError, whole: str) -> str:
    """pydantic's first complaint as ``where: what (+N more)``; ``whole`` names the top level."""
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"]) or whole
    more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"{where}: {' '.join(str(first['msg']).split())}{more}"


def validate_config(data: object, origin: str) -> SessionConfig:
    """Validate a config mapping; the first problem becomes a one-line ConfigError."""
    try:
        return SessionConfig.model_validate(data)
    except ValidationError as exc:
        raise ConfigError(f"{origin}: {first_validation_error(exc, 'config')}") from None


def load_config(ref: str) -> SessionConfig:
    """Load a preset by name or a TOML file by path; raise ConfigError with a one-line message."""
    return parse_config(*read_config_text(ref))
