"""Resolve an agent's provider spec (``backend:target``) to a Provider.

Backends are found by module path and imported only when resolved, so that importing
the registry (or checking a whole session's agents) never imports openai, anthropic or
torch. ``check`` validates everything a user can get wrong without any network call, so
the CLI can refuse a session before writing anything.

Spec grammar::

    openai:MODEL                        key from key_env or OPENAI_API_KEY
    anthropic:MODEL                     key from key_env or ANTHROPIC_API_KEY
    openai-compatible:BASE_URL#MODEL    key only if key_env is set (Ollama, vLLM, Groq...)
    scripted:echo | scripted:text:TEXT | scripted:file:PATH   [?delay=SECONDS]
    degroot:DECIMALS                    a scripted DeGroot agent for the opinion network
    local:MODEL
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import Provider, ProviderError
from convscope.core.providers.failures import parse_failure

_PACKAGE = "convscope.core.providers"


class ProviderConfigError(ValueError):
    """An agent's provider configuration is unusable; the message is one line for the user."""


class UnknownProviderError(ProviderConfigError):
    """The backend part of the spec names no known backend."""


class InvalidSpecError(ProviderConfigError):
    """The spec, its target or the failure mode does not parse."""


class MissingKeyError(ProviderConfigError):
    """The environment variable that should hold the API key is unset or empty."""


def parse_spec(spec: str) -> tuple[str, str]:
    """``"openai:gpt-4o-mini"`` -> ``("openai", "gpt-4o-mini")``."""
    backend, sep, target = spec.partition(":")
    if not sep or not backend or not target.strip():
        raise InvalidSpecError(
            f"provider spec {spec!r} must look like 'backend:target', e.g. 'openai:gpt-4o-mini'"
        )
    return backend, target


def split_compatible_target(target: str) -> tuple[str, str]:
    """``"http://127.0.0.1:11434/v1#llama3.2"`` -> ``("http://127.0.0.1:11434/v1", "llama3.2")``."""
    base_url, sep, model = target.rpartition("#")
    if not sep or not model or not base_url.startswith(("http://", "https://")):
        raise InvalidSpecError(
            f"openai-compatible target {target!r} must look like 'http://host:port/v1#model'"
        )
    check_http_url(base_url)
    _require_model(model)
    return base_url, model


def check_http_url(url: str) -> None:
    """Refuse, before anything is written, a URL that no client could connect to."""
    try:
        parts = urlsplit(url)
        port = parts.port  # parsed lazily: 'notaport' or 99999 raise here
    except ValueError as err:
        raise InvalidSpecError(f"URL {url!r} does not parse: {err}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or any(c.isspace() for c in url):
        raise InvalidSpecError(f"URL {url!r} must look like 'http://host:port/v1'")
    if port == 0:
        raise InvalidSpecError(f"URL {url!r}: port 0 is not a port to connect to")


def _require_model(target: str) -> None:
    if any(char.isspace() for char in target):
        raise InvalidSpecError(f"model name {target!r} must not contain spaces")


def _validate_local(target: str) -> None:
    from convscope.core.providers.local_sources import resolve_source  # no torch: cheap

    try:
        resolve_source(target)
    except ProviderError as err:
        raise InvalidSpecError(err.message) from None


def _validate_scripted(target: str) -> None:
    from convscope.core.providers.scripted import parse_target  # stdlib only: cheap

    parse_target(target)


def _validate_degroot(target: str) -> None:
    from convscope.core.providers.degroot import parse_decimals  # stdlib only: cheap

    parse_decimals(target)


@dataclass(frozen=True)
class _Backend:
    module: str
    validate: Callable[[str], object] = _require_model
    factory: str = "create"
    key_env: str | None = None  # where the key is read when the agent names no key_env
    key_required: bool = False


_BACKENDS: dict[str, _Backend] = {
    "openai": _Backend("openai_provider", key_env="OPENAI_API_KEY", key_required=True),
    "openai-compatible": _Backend("openai_provider", split_compatible_target, factory="create_compatible"),
    "anthropic": _Backend("anthropic_provider", key_env="ANTHROPIC_API_KEY", key_required=True),
    "scripted": _Backend("scripted", _validate_scripted),
    "degroot": _Backend("degroot", _validate_degroot),
    "local": _Backend("local", _validate_local),
}

BACKEND_NAMES = tuple(sorted(_BACKENDS))


def _backend(spec: str) -> tuple[_Backend, str]:
    name, target = parse_spec(spec)
    backend = _BACKENDS.get(name)
    if backend is None:
        raise UnknownProviderError(
            f"unknown provider backend {name!r} in {spec!r} (known: {', '.join(BACKEND_NAMES)})"
        )
    return backend, target


def api_key(agent: AgentSpec) -> str | None:
    """The agent's API key from the environment; ``None`` when its backend needs none."""
    backend, _ = _backend(agent.provider)
    variable = agent.key_env or backend.key_env
    if variable is None:
        return None
    value = os.environ.get(variable, "")
    if not value and (backend.key_required or agent.key_env):
        raise MissingKeyError(
            f"agent {agent.id!r}: environment variable {variable} is not set (needed by {agent.provider})"
        )
    return value or None


def check(agent: AgentSpec) -> None:
    """Raise a one-line ProviderConfigError if this agent cannot be resolved. No network, no SDK import."""
    try:
        backend, target = _backend(agent.provider)
        backend.validate(target)
        if agent.failure is not None:
            parse_failure(agent.failure)
    except UnknownProviderError as err:
        raise UnknownProviderError(f"agent {agent.id!r}: {err}") from None
    except ValueError as err:
        raise InvalidSpecError(f"agent {agent.id!r}: {err}") from None
    api_key(agent)


def resolve(agent: AgentSpec) -> Provider:
    """The agent's provider, without failure mode or retries (see failures.py and retry.py)."""
    check(agent)
    backend, target = _backend(agent.provider)
    factory: Callable[[str, AgentSpec], Provider] = getattr(
        importlib.import_module(f"{_PACKAGE}.{backend.module}"), backend.factory
    )
    return factory(target, agent)
