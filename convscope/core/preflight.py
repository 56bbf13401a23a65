"""What every front end checks before it writes a session: the protocol's options, and every
model the session will call (its agents and any model the protocol calls itself, such as the
opinion network's judge), each with a valid spec and its key. No network call, no SDK import.

The CLI, the sweep and the TUI's new-session form all ask here, so none of them can forget a
model that only the protocol knows about.
"""

from __future__ import annotations

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.metrics.embeddings import model_dir
from convscope.core.protocols import protocol_for
from convscope.core.providers.registry import ProviderConfigError, check


def model_problems(config: SessionConfig) -> list[tuple[AgentSpec, ProviderConfigError]]:
    """Each model the session would call that cannot be resolved, with its one-line reason.

    The protocol is built first, so bad options raise ValueError.
    """
    problems = []
    for model in protocol_for(config).models_called():
        try:
            check(model)
        except ProviderConfigError as problem:
            problems.append((model, problem))
    return problems


def check_models(config: SessionConfig) -> None:
    """Raise the first problem: bad protocol options, a model's bad spec or missing key, or
    (for live embedding distances) a missing embedding model."""
    for _, problem in model_problems(config):
        raise problem
    if config.semantic_metrics:
        model_dir()  # raises EmbeddingModelMissing, before any session is written
