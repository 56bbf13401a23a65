"""Resolve an agent's provider spec (``backend:target``) to a Provider.

Backends are found by module path and imported only when resolved, so that importing
the registry (or checking a whole session's agents) never imports openai, anthropic or
torch. ``check`` validates everything a user can get wrong without any network call, so
the CLI can refuse a session before writing anything.

Every HTTP agent's endpoint is in its spec (``openai-compatible``) or its ``base_url``
setting (``openai``, ``anthropic``; unset means the official API). It is always passed to
the SDK, so the SDKs' own OPENAI_BASE_URL and ANTHROPIC_BASE_URL are never read: what the
session records is where the calls went, and a resume goes to the same place.

Spec grammar::

    openai:MODEL                        key from key_env or OPENAI_API_KEY; base_url optional
    anthropic:MODEL                     key from key_env or ANTHROPIC_API_KEY; base_url optional
    openai-compatible:BASE_URL#MODEL    key only if key_env is set (Ollama, vLLM, Groq...)
    scripted:echo | scripted:text:TEXT | scripted:file:PATH   [?delay=SECONDS]
    degroot:DECIMALS                    a scripted DeGroot agent for the opinion network
    local:MODEL
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

from convscope.core.agents import AgentSpec
from convscope.core.environment import secret
from convscope.core.errors import ConvscopeError
from convscope.core.providers.base import Provider, ProviderError
from convscope.core.providers.failures import parse_failure
from convscope.core.providers.http_errors import host_port

_PACKAGE = "convscope.core.providers"


class ProviderConfigError(ConvscopeError, ValueError):
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
    shape = f"openai-compatible target {target!r} must look like 'http://host:port/v1#model'"
    if not sep or not model:
        raise InvalidSpecError(shape)
    try:
        check_http_url(base_url)
    except InvalidSpecError as err:
        raise InvalidSpecError(f"{shape}: {err}") from None
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
    official_url: str | None = None  # set for backends whose endpoint is the agent's base_url setting
    url_in_target: bool = False  # the endpoint is the target's BASE_URL part (openai-compatible)


_BACKENDS: dict[str, _Backend] = {
    "openai": _Backend(
        "openai_provider",
        key_env="OPENAI_API_KEY",
        key_required=True,
        official_url="https://api.openai.com/v1",
    ),
    "openai-compatible": _Backend(
        "openai_provider", split_compatible_target, factory="create_compatible", url_in_target=True
    ),
    "anthropic": _Backend(
        "anthropic_provider",
        key_env="ANTHROPIC_API_KEY",
        key_required=True,
        official_url="https://api.anthropic.com",
    ),
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


def key_variable(agent: AgentSpec) -> str | None:
    """The name of the variable the agent's key is read from, if it has one."""
    backend, _ = _backend(agent.provider)
    return agent.key_env or backend.key_env


def key_values(agents: Iterable[AgentSpec]) -> dict[str, str]:
    """Variable name -> value of every key variable these agents use that is set: the
    secrets to scrub from anything recorded or shown. Specs that do not parse have none."""
    values: dict[str, str] = {}
    for agent in agents:
        try:
            variable = key_variable(agent)
        except ProviderConfigError:
            continue
        if variable is not None and (value := secret(variable)):
            values[variable] = value
    return values


def endpoint(agent: AgentSpec) -> str | None:
    """The URL the agent's calls go to; ``None`` for backends that make no HTTP call."""
    backend, target = _backend(agent.provider)
    if backend.official_url is not None:
        return agent.base_url or backend.official_url
    if backend.url_in_target:
        return split_compatible_target(target)[0]
    return None


def where(agent: AgentSpec) -> tuple[str, str | None]:
    """What a pane's header names: the model and the server's host:port for an HTTP backend
    (``("smol", "127.0.0.1:4000")``), else the whole spec and None. A spec that does not
    parse is shown as it is."""
    try:
        url = endpoint(agent)
    except ProviderConfigError:
        return agent.provider, None
    if url is None:
        return agent.provider, None
    _, target = parse_spec(agent.provider)
    return target.rpartition("#")[2], host_port(url)


def api_key(agent: AgentSpec) -> str | None:
    """The agent's API key from the environment; ``None`` when its backend needs none."""
    backend, _ = _backend(agent.provider)
    variable = key_variable(agent)
    if variable is None:
        return None
    value = secret(variable)
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
        _check_base_url(agent, backend)
        if agent.failure is not None:
            parse_failure(agent.failure)
    except UnknownProviderError as err:
        raise UnknownProviderError(f"agent {agent.id!r}: {err}") from None
    except ValueError as err:
        raise InvalidSpecError(f"agent {agent.id!r}: {err}") from None
    api_key(agent)


def _check_base_url(agent: AgentSpec, backend: _Backend) -> None:
    if agent.base_url is None:
        return
    if backend.official_url is None:
        raise InvalidSpecError(
            "base_url is a setting of openai: and anthropic: agents; "
            "an openai-compatible: spec names its server itself ('openai-compatible:URL#model')"
        )
    try:
        check_http_url(agent.base_url)
    except InvalidSpecError as err:
        raise InvalidSpecError(
            f"base_url {agent.base_url!r} must look like 'http://host:port/v1': {err}"
        ) from None


def resolve(agent: AgentSpec) -> Provider:
    """The agent's provider, without failure mode or retries (see failures.py and retry.py)."""
    check(agent)
    backend, target = _backend(agent.provider)
    factory: Callable[[str, AgentSpec], Provider] = getattr(
        importlib.import_module(f"{_PACKAGE}.{backend.module}"), backend.factory
    )
    return factory(target, agent)
