"""A turn's two time limits: no first token within X, and no turn longer than Y.

They are different failures: a server that never answers, and a reply that streams for
too long. A turn cut by either keeps what it had streamed, and its error names the limit. The same
watch lets a person cut a turn at once (``Engine.interrupt``): the turn keeps its text
and is marked interrupted, not failed.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from convscope.core.records import TurnLimit


@dataclass(frozen=True)
class TurnLimits:
    turn_s: float
    first_token_s: float | None = None

    def message(self, limit: TurnLimit) -> str:
        """The failed turn's text: which limit, and its value."""
        if limit == "first_token":
            return f"no first token within {self.first_token_s:g} s"
        if limit == "interrupt":
            return "interrupted"
        return f"cut: turn longer than {self.turn_s:g} s"


class LimitWatch:
    """One turn's deadlines: the first-token one until a token arrives, then the turn's.

    ``expired`` names the limit that ended the turn (after the guarded block raised
    TimeoutError), or is None when the TimeoutError came from somewhere else.
    """

    def __init__(self, limits: TurnLimits) -> None:
        self.limits = limits
        self.expired: TurnLimit | None = None
        self._pending: TurnLimit = "turn"
        self._turn_deadline = 0.0
        self._scope: asyncio.Timeout | None = None
        self._interrupted = False

    @asynccontextmanager
    async def guard(self) -> AsyncIterator[LimitWatch]:
        now = asyncio.get_running_loop().time()
        self._turn_deadline = now + self.limits.turn_s
        deadline = self._turn_deadline
        first = self.limits.first_token_s
        if first is not None and first < self.limits.turn_s:
            self._pending, deadline = "first_token", now + first
        if self._interrupted:
            self._pending, deadline = "interrupt", now
        scope = self._scope = asyncio.timeout_at(deadline)
        try:
            async with scope:
                yield self
        except TimeoutError:
            if scope.expired():
                self.expired = self._pending
            raise

    def token_arrived(self) -> None:
        """The first token cancels the first-token limit; the turn's limit runs on."""
        if self._pending == "first_token" and self._scope is not None:
            self._pending = "turn"
            self._scope.reschedule(self._turn_deadline)

    def interrupt(self) -> None:
        """End the turn now, as if a limit had expired (before its guard: as soon as it starts).
        Call it on the turn's loop."""
        self._interrupted = True
        self._pending = "interrupt"
        if self._scope is not None and not self._scope.expired():
            self._scope.reschedule(asyncio.get_running_loop().time())
