"""Runs a protocol turn by turn, streams the agents' text, obeys commands, emits events.

Events out, commands in: observers are called synchronously, in order, for every event
(the session writer journals a turn before the next one starts, so a crash loses at most
the turn in flight). Commands (pause, step, rename, inject a failure...) are queued and
take effect at the next turn boundary, where each is recorded as a ``ControlApplied``
event stamped with the index of the turn it precedes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.events import (
    ControlApplied,
    Event,
    MetricsUpdated,
    RoundCompleted,
    SessionEnded,
    SessionStarted,
    StreamReset,
    TokenDelta,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.protocols import protocol_for
from convscope.core.protocols.base import ConversationProtocol, TurnPlan
from convscope.core.providers.base import (
    ChatRequest,
    Provider,
    ProviderError,
    Restart,
    Usage,
    close_provider,
)
from convscope.core.providers.factory import build_provider
from convscope.core.providers.failures import parse_failure
from convscope.core.records import ControlKind, ControlRecord, ErrorKind, Turn
from convscope.core.seeds import turn_params

Observer = Callable[[Event], None]
ProviderFactory = Callable[[AgentSpec, str | None, int], Provider]
EngineState = Literal["idle", "running", "paused", "finished", "stopped"]


class MetricsHook(Protocol):
    """What the engine asks of a metrics tracker; runs in a worker thread."""

    def observe(self, turn: Turn) -> dict[str, Any]: ...

    def end_round(self, round_index: int) -> dict[str, Any]: ...

    def apply_control(self, record: ControlRecord) -> None: ...


@dataclass(frozen=True)
class _Command:
    kind: ControlKind
    agent_id: str | None = None
    value: str | None = None


class Engine:
    """One session's run. Build it, subscribe observers, ``await run()``, send commands."""

    def __init__(
        self,
        config: SessionConfig,
        *,
        transcript: Sequence[Turn] = (),
        controls: Sequence[ControlRecord] = (),
        observers: Iterable[Observer] = (),
        provider_factory: ProviderFactory = build_provider,
        metrics: MetricsHook | None = None,
        start_paused: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.protocol: ConversationProtocol = protocol_for(config)
        self.transcript: list[Turn] = sorted(transcript, key=lambda turn: turn.index)
        self._holes = _missing_indices(self.transcript)  # left by a batch cut short; refilled first
        self.names: dict[str, str] = self.protocol.initial_names()
        self.failures: dict[str, str | None] = {a.id: a.failure for a in config.agents}
        for record in controls:  # resuming: replay renames and injected failures
            self._apply_state(record)
        self.state: EngineState = "paused" if start_paused else "idle"
        self.in_flight: dict[int, TurnPlan] = {}  # turn index -> plan, for the turns running now
        self._observers: list[Observer] = list(observers)
        self._provider_factory = provider_factory
        self._providers: dict[tuple[str, str | None], Provider] = {}
        self._gates: dict[str, asyncio.Semaphore] = {}  # provider spec -> concurrency bound
        self._metrics = metrics
        self._clock = clock
        self._commands: deque[_Command] = deque()
        self._pause_after_turn = False  # set by step(): run one turn (or batch), then pause
        self._stop_requested = False
        self._wake: asyncio.Event | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: int | None = None

    # -- commands: safe to call from any thread; they take effect at the next turn boundary

    def pause(self) -> None:
        self._queue(_Command("paused"))

    def resume(self) -> None:
        self._queue(_Command("resumed"))

    def step(self) -> None:
        """Run exactly one more turn (one simultaneous batch, for the network), then pause."""
        self._queue(_Command("stepped"))

    def stop(self) -> None:
        self._queue(_Command("stopped"))

    def inject_failure(self, agent_id: str, mode: str) -> None:
        self.config.agent(agent_id)  # KeyError for an unknown agent, now rather than later
        parse_failure(mode)  # ValueError for a bad mode, now rather than later
        self._queue(_Command("failure_injected", agent_id, mode))

    def clear_failure(self, agent_id: str) -> None:
        self.config.agent(agent_id)
        self._queue(_Command("failure_cleared", agent_id))

    def rename(self, agent_id: str, name: str) -> None:
        self.config.agent(agent_id)
        if not name.strip():
            raise ValueError("a nickname cannot be empty")
        self._queue(_Command("renamed", agent_id, name.strip()))

    def set_thresholds(self, thresholds: Mapping[str, float]) -> None:
        """New loop-detection thresholds for the metrics, e.g. ``{"bleu": 0.3}``."""
        self._queue(_Command("thresholds_changed", value=json.dumps(dict(thresholds), sort_keys=True)))

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    @property
    def next_turn_index(self) -> int:
        return len(self.transcript)

    @property
    def current_turn(self) -> TurnPlan | None:
        """The turn started last among those running (None between turns)."""
        return self.in_flight[max(self.in_flight)] if self.in_flight else None

    # -- the run loop

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._loop_thread = threading.get_ident()
        self._wake = asyncio.Event()
        if self.state == "idle":
            self.state = "running"
        self._emit(SessionStarted(self.next_turn_index))
        last_round = self.transcript[-1].round if self.transcript else None
        try:
            while True:
                self._apply_commands()
                if self._stop_requested:
                    await self._finish("stopped", last_round)
                    return
                if self.state == "paused":
                    await self._wait_for_command()
                    continue
                plans = self.protocol.next_turns(self.transcript, self.names)
                if not plans:
                    await self._finish("finished", last_round)
                    return
                if last_round is not None and plans[0].round != last_round:
                    await self._complete_round(last_round)
                last_round = plans[0].round
                await self._run_turns(plans)
                if self._pause_after_turn:
                    self._record(_Command("paused"))
        except asyncio.CancelledError:
            self.state = "stopped"
            self._emit(SessionEnded("stopped", "cancelled during a turn"))
            raise
        except Exception as exc:  # a bug of ours or an observer's: tell every consumer, then raise
            self.state = "stopped"
            with contextlib.suppress(Exception):  # the failing observer may fail again: keep the first error
                self._emit(SessionEnded("error", f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            await self._close_providers()

    async def _close_providers(self) -> None:
        """Release the providers' clients on this loop, which ends with the run: an SDK client
        collected after its loop has closed fails noisily in whatever loop runs then."""
        providers, self._providers = list(self._providers.values()), {}
        for provider in providers:
            with contextlib.suppress(Exception):  # a failed close must not hide how the run ended
                await close_provider(provider)

    # -- internals

    def _queue(self, command: _Command) -> None:
        self._commands.append(command)
        if self._loop is None or self._wake is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._wake.set()
        else:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def _wait_for_command(self) -> None:
        assert self._wake is not None
        self._wake.clear()
        if not self._commands:
            await self._wake.wait()

    def _apply_commands(self) -> None:
        while self._commands:
            self._record(self._commands.popleft())

    def _record(self, command: _Command) -> None:
        """Apply one command now and emit it as a control record."""
        previous: str | None = None
        match command.kind:
            case "paused":
                if self.state == "paused":
                    return
                self.state = "paused"
                self._pause_after_turn = False
            case "resumed":
                if self.state != "paused":
                    return
                self.state = "running"
            case "stepped":
                self.state = "running"
                self._pause_after_turn = True
            case "stopped":
                self._stop_requested = True
            case "renamed":
                assert command.agent_id is not None
                previous = self.names[command.agent_id]
            case "failure_injected" | "failure_cleared":
                assert command.agent_id is not None
                previous = self.failures[command.agent_id]
        record = ControlRecord(
            kind=command.kind,
            turn_index=self.next_turn_index,
            at=self._clock(),
            agent_id=command.agent_id,
            value=command.value,
            previous=previous,
        )
        self._apply_state(record)
        if self._metrics is not None:
            self._metrics.apply_control(record)
        self._emit(ControlApplied(record))

    def _apply_state(self, record: ControlRecord) -> None:
        """The part of a control record that changes who the agents are."""
        if record.agent_id is None:
            return
        if record.kind == "renamed" and record.value:
            self.names[record.agent_id] = record.value
        elif record.kind == "failure_injected":
            self.failures[record.agent_id] = record.value
        elif record.kind == "failure_cleared":
            self.failures[record.agent_id] = None

    def _provider(self, agent: AgentSpec) -> Provider:
        """One provider per (agent, failure mode), so that crash-after counters persist."""
        mode = self.failures[agent.id]
        key = (agent.id, mode)
        if key not in self._providers:
            seed = self.config.seed * 1009 + self.config.agents.index(agent)
            self._providers[key] = self._provider_factory(agent, mode, seed)
        return self._providers[key]

    async def _run_turns(self, plans: Sequence[TurnPlan]) -> None:
        """Run a batch of turns (usually one) concurrently, at most ``max_concurrency`` per provider.

        Each turn is journalled as it ends; the transcript takes them in index order once
        the whole batch is done, so the protocol never sees half a simultaneous round.
        """
        indices, refilled = self._indices_for(len(plans))
        turns = await asyncio.gather(
            *(self._run_bounded(index, plan) for index, plan in zip(indices, plans, strict=True))
        )
        self.transcript.extend(turns)
        if refilled:
            self.transcript.sort(key=lambda turn: turn.index)
        if self._metrics is not None:
            for turn in turns:
                values = await asyncio.to_thread(self._metrics.observe, turn)
                self._emit(MetricsUpdated(turn.index, turn.round, values))

    def _indices_for(self, count: int) -> tuple[list[int], bool]:
        """A batch's turn indices: first the holes left by a batch cut short (resuming that
        round: the protocol asks again for the agents missing from it, in the same order),
        then new ones after the last turn. True when holes were refilled."""
        refilled, self._holes = self._holes[:count], self._holes[count:]
        start = self.transcript[-1].index + 1 if self.transcript else 0
        return refilled + list(range(start, start + count - len(refilled))), bool(refilled)

    async def _run_bounded(self, index: int, plan: TurnPlan) -> Turn:
        spec = self.config.agent(plan.agent_id).provider
        gate = self._gates.setdefault(spec, asyncio.Semaphore(self.config.max_concurrency))
        async with gate:
            return await self._run_turn(index, plan)

    async def _run_turn(self, index: int, plan: TurnPlan) -> Turn:
        agent = self.config.agent(plan.agent_id)
        nickname = self.names[agent.id]
        self.in_flight[index] = plan
        self._emit(TurnStarted(index, plan.round, agent.id, nickname, agent.provider))
        started = self._clock()
        parts: list[str] = []
        usage = Usage()
        retries = 0
        error: str | None = None
        error_kind: ErrorKind | None = None
        try:
            provider = self._provider(agent)
            request = ChatRequest(plan.messages, turn_params(self.config.seed, agent, index))
            async with asyncio.timeout(self.config.turn_timeout_s):
                async for item in provider.stream(request):
                    if isinstance(item, str):
                        if item:
                            parts.append(item)
                            self._emit(TokenDelta(index, agent.id, item))
                    elif isinstance(item, Usage):
                        usage = item
                    elif isinstance(item, Restart):
                        parts.clear()
                        retries = item.attempt - 1  # attempt counts from 1: the first retry is attempt 2
                        self._emit(StreamReset(index, agent.id, item.attempt, item.reason, item.delay_s))
        except ProviderError as exc:
            error, error_kind = exc.message, "permanent" if exc.permanent else "transient"
        except TimeoutError:
            error, error_kind = f"no reply within {self.config.turn_timeout_s:g} s", "transient"
        except Exception as exc:  # a provider bug must not crash the session: it becomes a failed turn
            error, error_kind = f"{type(exc).__name__}: {exc}", "transient"
        finally:
            del self.in_flight[index]
        turn = Turn(
            index=index,
            round=plan.round,
            agent_id=agent.id,
            nickname=nickname,
            model=agent.provider,
            text="".join(parts) if error is None else "",
            error=error,
            error_kind=error_kind,
            started_at=started,
            ended_at=self._clock(),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            retries=retries,
            phase=plan.phase,
        )
        self._emit(TurnFailed(turn) if turn.failed else TurnCompleted(turn))
        return turn

    async def _complete_round(self, round_index: int) -> None:
        self._emit(RoundCompleted(round_index))
        if self._metrics is not None:
            values = await asyncio.to_thread(self._metrics.end_round, round_index)
            if values:
                self._emit(MetricsUpdated(self.next_turn_index - 1, round_index, values))

    async def _finish(self, reason: Literal["finished", "stopped"], last_round: int | None) -> None:
        if reason == "finished" and last_round is not None:
            await self._complete_round(last_round)
        self.state = reason
        self._emit(SessionEnded(reason))

    def _emit(self, event: Event) -> None:
        for observer in self._observers:
            observer(event)


def _missing_indices(transcript: Sequence[Turn]) -> list[int]:
    """Turn indices below the last one that no turn has: a simultaneous batch interrupted
    after some of its turns were journalled (they finish, and are saved, in any order)."""
    present = {turn.index for turn in transcript}
    return [index for index in range(transcript[-1].index if transcript else 0) if index not in present]
