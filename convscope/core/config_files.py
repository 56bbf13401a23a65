"""Session configs as TOML files, and the presets shipped with convscope."""

from __future__ import annotations

import tomllib
from importlib import resources
from pathlib import Path

from pydantic import ValidationError

from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError


def preset_names() -> list[str]:
    folder = resources.files("convscope") / "presets"
    return sorted(p.name.removesuffix(".toml") for p in folder.iterdir() if p.name.endswith(".toml"))


def read_config_text(ref: str) -> tuple[str, str]:
    """The TOML text of a preset name or a file path, and where it came from."""
    path = Path(ref)
    if ref.endswith(".toml") or path.exists():
        try:
            return path.read_text(encoding="utf-8"), str(path)
        except OSError as exc:
            raise ConfigError(f"cannot read {ref}: {exc.strerror or exc}") from None
    if ref in preset_names():
        preset = resources.files("convscope") / "presets" / f"{ref}.toml"
        return preset.read_text(encoding="utf-8"), f"preset {ref}"
    raise ConfigError(f"no preset or file named {ref!r} (presets: {', '.join(preset_names())})")


def parse_config(text: str, origin: str) -> SessionConfig:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{origin}: invalid TOML: {exc}") from None
    return validate_config(data, origin)


def validate_config(data: object, origin: str) -> SessionConfig:
    """Validate a config mapping; the first problem becomes a one-line ConfigError."""
    try:
        return SessionConfig.model_validate(data)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "config"
        more = f" (+{exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        raise ConfigError(f"{origin}: {where}: {first['msg']}{more}") from None


def load_config(ref: str) -> SessionConfig:
    """Load a preset by name or a TOML file by path; raise ConfigError with a one-line message."""
    return parse_config(*read_config_text(ref))
