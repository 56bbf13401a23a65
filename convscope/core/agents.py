"""Who takes part in a session: an agent's identity, backend, sampling parameters and failure mode."""

from __future__ import annotations

import re

from pydantic import BaseModel, ConfigDict, Field, field_validator

_ID_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+$")


class GenerationParams(BaseModel):
    """Sampling parameters; a backend ignores those it has no notion of (e.g. seed)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    temperature: float | None = Field(default=0.8, ge=0.0, le=2.0)
    top_p: float | None = Field(default=None, gt=0.0, le=1.0)
    max_tokens: int = Field(default=256, ge=1, le=32768)
    seed: int | None = None
    # Local models only: above 1, tokens already in the prompt or the reply become less likely.
    repetition_penalty: float = Field(default=1.0, gt=0.0, le=10.0)
    # Local models only: a reply cut by max_tokens ends at its last whole sentence (the text
    # then streams sentence by sentence).
    whole_sentences: bool = False


class AgentSpec(BaseModel):
    """One agent. ``provider`` is a registry spec such as ``openai:gpt-4o-mini``.

    ``key_env`` names the environment variable holding the API key: the key itself
    is never part of a spec, so it can never reach a session file. ``base_url`` points an
    ``openai:`` or ``anthropic:`` agent at another server (a proxy such as LiteLLM); unset,
    they call the official API, never wherever an SDK variable such as OPENAI_BASE_URL says.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str
    nickname: str
    provider: str
    key_env: str | None = None
    base_url: str | None = None
    params: GenerationParams = GenerationParams()
    failure: str | None = None  # e.g. "decommissioned", "transient:0.3", "crash-after:2"

    @field_validator("id")
    @classmethod
    def _id_is_simple(cls, value: str) -> str:
        if not _ID_PATTERN.match(value):
            raise ValueError(f"agent id {value!r} may only use letters, digits, '.', '_' and '-'")
        return value

    @property
    def model_name(self) -> str:
        """The model part of the provider spec, used as a 'real name' nickname."""
        return model_name(self.provider)


def model_name(provider: str) -> str:
    """The model's name as people write it, from any provider spec: ``openai:gpt-4o`` ->
    ``gpt-4o``, ``openai-compatible:http://host/v1#deepseek-chat`` -> ``deepseek-chat``,
    ``local:HuggingFaceTB/SmolLM2-135M-Instruct`` -> ``SmolLM2-135M-Instruct``."""
    _, _, rest = provider.partition(":")
    return rest.rsplit("#", 1)[-1].rsplit("/", 1)[-1] or provider
