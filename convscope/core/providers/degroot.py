"""A scripted agent that follows the DeGroot update exactly: the opinion network with no LLM.

It reads its own opinion, the opinions it hears and its self-weight back from the network
protocol's prompt (see ``convscope.core.protocols.network.read_prompt``), and answers
``My opinion: 0.1234`` with the weighted average, which the ``pattern`` scorer reads.
A network of these agents must agree with the theory (|λ2|, the Perron forecast): that
checks the protocol, the scorer and the analysis before any model is involved.

Spec: ``degroot:DECIMALS`` (``degroot:4`` states four decimals).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from convscope.core.agents import AgentSpec
from convscope.core.providers.base import ChatRequest, ProviderError, StreamItem

MAX_DECIMALS = 12


def parse_decimals(target: str) -> int:
    """``"4"`` -> 4; ValueError for anything but a whole number of decimals from 1 to 12."""
    if not target.isdigit() or not 1 <= int(target) <= MAX_DECIMALS:
        raise ValueError(f"degroot target {target!r} must be a number of decimals from 1 to {MAX_DECIMALS}")
    return int(target)


class DeGrootProvider:
    def __init__(self, name: str, decimals: int) -> None:
        self.name = name
        self.decimals = decimals

    def __repr__(self) -> str:
        return f"<DeGrootProvider {self.name}>"

    async def stream(self, request: ChatRequest) -> AsyncIterator[StreamItem]:
        from convscope.core.protocols.network import read_prompt  # the protocol imports providers

        try:
            reading = read_prompt(request.messages)
        except ValueError as error:
            raise ProviderError(f"DeGroot agent: {error}", permanent=True) from None
        value = min(1.0, max(0.0, reading.update()))
        yield f"My opinion: {value:.{self.decimals}f}"


def create(target: str, agent: AgentSpec) -> DeGrootProvider:
    return DeGrootProvider(agent.provider, parse_decimals(target))
