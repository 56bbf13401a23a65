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
    try:
        words = shlex.split(text)
    except ValueError as err:
        raise AgentOptionError(f"--agent {text!r}: {err}") from None
    if not words:
        raise AgentOptionError(
            "--agent needs a provider spec, e.g. --agent 'openai:gpt-4o-mini key_env=MY_KEY'"
        )
    head, *settings = words
    nickname, sep, provider = head.partition("=")
    if not sep or ":" in nickname:
        nickname, provider = f"Agent-{chr(ord('A') + position)}", head
    fields: dict[str, object] = {"id": f"agent{position + 1}", "nickname": nickname, "provider": provider}
    params: dict[str, str] = {}
    for setting in settings:
        name, sep, value = setting.partition("=")
        if not sep or not value:
            raise AgentOptionError(f"--agent {text!r}: {setting!r} must look like SETTING=VALUE")
        if name not in SETTINGS:
            raise AgentOptionError(
                f"--agent {text!r}: unknown setting {name!r} (known: {', '.join(SETTINGS)})"
            )
        (params if name in _PARAM_SETTINGS else fields)[name] = value
    try:
        return AgentSpec.model_validate({**fields, "params": params})
    except ValidationError as err:
        first = err.errors()[0]
        place = ".".join(str(part) for part in first["loc"] if part != "params")
        raise AgentOptionError(f"--agent {text!r}: {place}: {' '.join(str(first['msg']).split())}") from None
