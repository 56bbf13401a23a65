"""The standard way an agent spec becomes a provider: backend, then failure mode, then retries.

Retries wrap the failure mode so that an injected ``transient`` failure is retried like a
real rate limit, while ``decommissioned`` (permanent) fails at once.
"""

from __future__ import annotations

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import Provider
from convscope.core.providers.failures import with_failure
from convscope.core.providers.registry import resolve
from convscope.core.providers.retry import RetryPolicy, with_retries


def build_provider(agent: AgentSpec, failure: str | None, seed: int) -> Provider:
    provider = resolve(agent)
    if failure:
        provider = with_failure(provider, failure, seed=seed)
    return with_retries(provider, RetryPolicy())
