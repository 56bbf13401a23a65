"""The ``--agent`` option: one agent on the command line, with any setting a TOML file can hold.

Grammar (shell-style words, so a quoted nickname may hold spaces)::

    [NICKNAME=]PROVIDER [SETTING=VALUE ...]

    --agent 'Smol=openai-compatible:http://127.0.0.1:4000/v1#smol key_env=LITELLM_KEY temperature=0.3'

Settings are the agent's own fields (``key_env``, ``base_url``, ``failure``, ``nickname``,
``id``) and its generation parameters (``temperature``, ``top_p``, ``max_tokens``,
``seed``), validated exactly as in a TOML file.
"""

from __future__ import annotations

import shlex
from collections.abc import Sequence

from pydantic import ValidationError

from convscope.core.agents import AgentSpec, GenerationParams
from convscope.core.errors import ConfigError

_AGENT_SETTINGS = tuple(name for name in AgentSpec.model_fields if name not in ("provider", "params"))
_PARAM_SETTINGS = tuple(GenerationParams.model_fields)
SETTINGS = _AGENT_SETTINGS + _PARAM_SETTINGS


class AgentOptionError(ConfigError):
    """An ``--agent`` value that does not parse; the message is one line naming it."""


def parse_agent_option(text: str, position: int) -> AgentSpec:
    """The agent an ``--agent`` value describes; ``position`` (from 0) gives its default id and name."""
    words = _words(text)
    if not words:
        raise AgentOptionError(
            "--agent needs a provider spec, e.g. --agent 'openai:gpt-4o-mini key_env=MY_KEY'"
        )
    head, *settings = words
    nickname, sep, provider = head.partition("=")
    if not sep or ":" in nickname:
        nickname, provider = f"Agent-{chr(ord('A') + position)}", head
    fields, params = _settings(text, settings, SETTINGS)
    return _validated(
        text, {"id": f"agent{position + 1}", "nickname": nickname, "provider": provider, **fields}, params
    )


_KEYBOARD_SETTINGS = {"nickname": "--rename ID=NAME", "failure": "--fail ID=MODE", "id": "another agent id"}


def parse_agent_change(text: str, agents: Sequence[AgentSpec]) -> AgentSpec:
    """A branch's ``--agent 'ID [PROVIDER] [SETTING=VALUE ...]'``: agent ``ID`` of ``agents``
    with another provider or other settings, the rest of it kept.

    A name or a failure mode is not a config change for a branch (the config's would apply
    from the first turn, before the branch point): they have options of their own.
    """
    words = _words(text)
    if not words:
        raise AgentOptionError(
            "--agent needs an agent id, e.g. --agent 'b local:smollm2-135m temperature=0.2'"
        )
    agent_id, *rest = words
    agent = next((agent for agent in agents if agent.id == agent_id), None)
    if agent is None:
        known = ", ".join(agent.id for agent in agents)
        raise AgentOptionError(
            f"--agent {text!r}: no agent {agent_id!r} in this session (its agents: {known})"
        )
    provider = agent.provider
    if rest and rest[0].partition("=")[0] not in SETTINGS:
        provider, *rest = rest
    changeable = tuple(name for name in SETTINGS if name not in _KEYBOARD_SETTINGS)
    for setting in rest:
        name = setting.partition("=")[0]
        if name in _KEYBOARD_SETTINGS:
            raise AgentOptionError(
                f"--agent {text!r}: {name} changes at the branch point with {_KEYBOARD_SETTINGS[name]}"
            )
    fields, params = _settings(text, rest, changeable)
    base = agent.model_dump(exclude={"params"}) | {"provider": provider}
    return _validated(text, base | fields, agent.params.model_dump() | params)


def _words(text: str) -> list[str]:
    try:
        return shlex.split(text)
    except ValueError as err:
        raise AgentOptionError(f"--agent {text!r}: {err}") from None


def _settings(
    text: str, settings: Sequence[str], known: Sequence[str]
) -> tuple[dict[str, object], dict[str, object]]:
    """The agent's own fields and its generation parameters among ``SETTING=VALUE`` words."""
    fields: dict[str, object] = {}
    params: dict[str, object] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not value:
            raise AgentOptionError(f"--agent {text!r}: {setting!r} must look like SETTING=VALUE")
        if name not in known:
            raise AgentOptionError(f"--agent {text!r}: unknown setting {name!r} (known: {', '.join(known)})")
        (params if name in _PARAM_SETTINGS else fields)[name] = value
    return fields, params


def _validated(text: str, fields: dict[str, object], params: dict[str, object]) -> AgentSpec:
    try:
        return AgentSpec.model_validate({**fields, "params": params})
    except ValidationError as err:
        first = err.errors()[0]
        place = ".".join(str(part) for part in first["loc"] if part != "params")
        raise AgentOptionError(f"--agent {text!r}: {place}: {' '.join(str(first['msg']).split())}") from None
