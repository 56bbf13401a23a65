"""Runs a protocol turn by turn, streams the agents' text, obeys commands, emits events.

Events out, commands in: observers are called synchronously, in order, for every event,
always on the engine's loop (the session writer journals a turn before the next one
starts, so a crash loses at most the turn in flight). Commands (pause, step, rename,
inject a failure...) are queued and take effect at the next turn boundary, where each is
recorded as a ``ControlApplied`` event stamped with the index of the turn it precedes.
Finished turns are measured by a :class:`MetricsWorker` while the next turns run; the
engine waits for it only before a command, at the session's end, and before the turns of
a protocol that reads the metrics (``ConversationProtocol.plans_from_metrics``).
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.controls import Roster
from convscope.core.events import (
    BranchPoint,
    ControlApplied,
    Event,
    RoundCompleted,
    SessionEnded,
    SessionStarted,
    StreamReset,
    TokenDelta,
    TurnCompleted,
    TurnFailed,
    TurnStarted,
)
from convscope.core.metrics_worker import MetricsHook, MetricsWorker
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
from convscope.core.providers.secrets import Scrubber
from convscope.core.records import (
    ControlKind,
    ControlRecord,
    ErrorKind,
    FailureCleared,
    FailureInjected,
    Paused,
    Renamed,
    Resumed,
    Stepped,
    Stopped,
    ThresholdsChanged,
    Turn,
    TurnLimit,
)
from convscope.core.reruns import latest_turns
from convscope.core.seeds import turn_params
from convscope.core.turn_limits import LimitWatch, TurnLimits

Observer = Callable[[Event], None]
ProviderFactory = Callable[[AgentSpec, str | None, int], Provider]
EngineState = Literal["idle", "running", "paused", "finished", "stopped"]


@dataclass(frozen=True)
class _Command:
    kind: ControlKind | Literal["branch_point"]  # a branch point is announced, not recorded
    agent_id: str = ""
    text: str = ""  # the new name, or the failure mode
    thresholds: Mapping[str, float] = field(default_factory=dict)


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
        retry_failed: bool = False,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.config = config
        self.protocol: ConversationProtocol = protocol_for(config)
        self.transcript: list[Turn] = latest_turns(transcript)
        self._retry_failed = retry_failed  # re-run the saved failed turns first (resume --retry-failed)
        self._scrub = Scrubber.for_agents(config.agents)
        self._limits = TurnLimits(config.turn_timeout_s, config.first_token_timeout_s)
        self._holes = _missing_indices(self.transcript)  # left by a batch cut short; refilled first
        self.roster = Roster.initial(config, self.protocol)
        for record in controls:  # resuming: replay renames and injected failures
            self.roster = self.roster.after(record)
        self.state: EngineState = "paused" if start_paused else "idle"
        self.in_flight: dict[int, TurnPlan] = {}  # turn index -> plan, for the turns running now
        self._observers: list[Observer] = list(observers)
        self._provider_factory = provider_factory
        self._providers: dict[tuple[str, str | None], Provider] = {}
        self._gates: dict[str, asyncio.Semaphore] = {}  # provider spec -> concurrency bound
        self._metrics = metrics
        self._worker: MetricsWorker | None = None  # measures on its own thread; made by run()
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
        self._queue(_Command("thresholds_changed", thresholds=dict(thresholds)))

    def fork(self) -> None:
        """Ask for a branch point: at the next turn boundary, once the turns before it are
        measured, emit ``BranchPoint`` with the index of the turn a branch would start at.
        The run goes on; whoever asked builds the branch from the session's record
        (``SessionRuntime.fork_at_next_turn``)."""
        self._queue(_Command("branch_point"))

    def subscribe(self, observer: Observer) -> None:
        self._observers.append(observer)

    @property
    def names(self) -> Mapping[str, str]:
        """Each agent's name now (renames included)."""
        return self.roster.names

    @property
    def failures(self) -> Mapping[str, str | None]:
        """Each agent's injected failure mode now (None: none)."""
        return self.roster.failures

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
        if self._metrics is not None:
            self._worker = MetricsWorker(self._metrics, self._emit)
            self._worker.start()
        if self.state == "idle":
            self.state = "running"
        self._emit(SessionStarted(self.next_turn_index))
        last_round = self.transcript[-1].round if self.transcript else None
        try:
            if self._retry_failed:
                await self._rerun_failed()
            while True:
                await self._apply_pending()
                if self._stop_requested:
                    await self._finish("stopped", last_round)
                    return
                if self.state == "paused":
                    await self._wait_for_command()
                    continue
                if self.protocol.plans_from_metrics:
                    await self._measured()
                plans = self.protocol.next_turns(self.transcript, self.roster.names)
                if not plans:
                    await self._finish("finished", last_round)
                    return
                if last_round is not None and plans[0].round != last_round:
                    self._complete_round(last_round)
                last_round = plans[0].round
                await self._run_turns(plans)
                if self._pause_after_turn:
                    await self._measured()
                    self._record(_Command("paused"))
        except asyncio.CancelledError:
            await self._end_abruptly(SessionEnded("stopped", "cancelled during a turn"))
            raise
        except Exception as exc:  # a bug of ours or an observer's: tell every consumer, then raise
            await self._end_abruptly(SessionEnded("error", f"{type(exc).__name__}: {exc}"))
            raise
        finally:
            if self._worker is not None:
                await self._worker.close()
            await self._close_providers()

    async def _apply_pending(self) -> None:
        """Apply the queued commands; each lands after the metrics of the turns before it."""
        if self._commands:
            await self._measured()
        self._apply_commands()

    async def _rerun_failed(self) -> None:
        """Run each failed turn again, in order, on the conversation as it stood before it
        (earlier re-runs included): after an outage, the session reads as if there had been
        none. Each re-run keeps its turn's index and is recorded after the failed one."""
        self._retry_failed = False
        for position in [at for at, turn in enumerate(self.transcript) if turn.failed]:
            await self._apply_pending()
            if self._stop_requested:
                return
            failed = self.transcript[position]
            plans = self.protocol.next_turns(self.transcript[:position], self.roster.names)
            plan = next((p for p in plans if p.agent_id == failed.agent_id and p.round == failed.round), None)
            if plan is not None:  # None: the protocol no longer asks this agent for that turn
                self.transcript[position] = await self._run_bounded(failed.index, plan, rerun=True)

    async def _end_abruptly(self, ended: SessionEnded) -> None:
        """Record a run cut short: the finished turns' metrics first, then the end. Whatever
        fails now (the failing observer may fail again) must not hide the first error."""
        self.state = "stopped"
        with contextlib.suppress(Exception, asyncio.CancelledError):
            await self._measured()
        with contextlib.suppress(Exception):
            self._emit(ended)

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
        record = self._control_record(command)
        if record is None:
            return
        self.roster = self.roster.after(record)
        if self._metrics is not None:
            self._metrics.apply_control(record)
        self._emit(ControlApplied(record, self.roster))

    def _control_record(self, command: _Command) -> ControlRecord | None:
        """The record of a command, with its effect on the run loop; None when it changes nothing."""
        index, at, agent = self.next_turn_index, self._clock(), command.agent_id
        match command.kind:
            case "paused":
                if self.state == "paused":
                    return None
                self.state = "paused"
                self._pause_after_turn = False
                return Paused(turn_index=index, at=at)
            case "resumed":
                if self.state != "paused":
                    return None
                self.state = "running"
                return Resumed(turn_index=index, at=at)
            case "stepped":
                self.state = "running"
                self._pause_after_turn = True
                return Stepped(turn_index=index, at=at)
            case "stopped":
                self._stop_requested = True
                return Stopped(turn_index=index, at=at)
            case "renamed":
                previous = self.roster.names[agent]
                return Renamed(turn_index=index, at=at, agent_id=agent, name=command.text, previous=previous)
            case "failure_injected":
                mode, previous_mode = command.text, self.roster.failures[agent]
                return FailureInjected(
                    turn_index=index, at=at, agent_id=agent, mode=mode, previous=previous_mode
                )
            case "failure_cleared":
                previous_mode = self.roster.failures[agent]
                return FailureCleared(turn_index=index, at=at, agent_id=agent, previous=previous_mode)
            case "thresholds_changed":
                return ThresholdsChanged(turn_index=index, at=at, thresholds=dict(command.thresholds))
            case "branch_point":  # announced, not recorded: the session itself does not change
                self._emit(BranchPoint(index))
                return None

    def _provider(self, agent: AgentSpec) -> Provider:
        """One provider per (agent, failure mode), so that crash-after counters persist."""
        mode = self.roster.failures[agent.id]
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
        if self._worker is not None:
            self._worker.measure(turns)

    def _indices_for(self, count: int) -> tuple[list[int], bool]:
        """A batch's turn indices: first the holes left by a batch cut short (resuming that
        round: the protocol asks again for the agents missing from it, in the same order),
        then new ones after the last turn. True when holes were refilled."""
        refilled, self._holes = self._holes[:count], self._holes[count:]
        start = self.transcript[-1].index + 1 if self.transcript else 0
        return refilled + list(range(start, start + count - len(refilled))), bool(refilled)

    async def _run_bounded(self, index: int, plan: TurnPlan, *, rerun: bool = False) -> Turn:
        spec = self.config.agent(plan.agent_id).provider
        gate = self._gates.setdefault(spec, asyncio.Semaphore(self.config.max_concurrency))
        async with gate:
            return await self._run_turn(index, plan, rerun=rerun)

    async def _run_turn(self, index: int, plan: TurnPlan, *, rerun: bool = False) -> Turn:
        """One turn. Every text from the provider is scrubbed of API keys before any event."""
        agent = self.config.agent(plan.agent_id)
        nickname = self.roster.names[agent.id]
        self.in_flight[index] = plan
        self._emit(TurnStarted(index, plan.round, agent.id, nickname, agent.provider))
        started = self._clock()
        parts: list[str] = []
        usage = Usage()
        retries = 0
        error: str | None = None
        error_kind: ErrorKind | None = None
        watch = LimitWatch(self._limits)
        cut_by: TurnLimit | None = None
        try:
            provider = self._provider(agent)
            request = ChatRequest(plan.messages, turn_params(self.config.seed, agent, index))
            async with watch.guard():
                async for item in provider.stream(request):
                    if isinstance(item, str):
                        if item:
                            watch.token_arrived()
                            parts.append(self._scrub(item))
                            self._emit(TokenDelta(index, agent.id, parts[-1]))
                    elif isinstance(item, Usage):
                        usage = item
                    elif isinstance(item, Restart):
                        parts.clear()
                        retries = item.attempt - 1  # attempt counts from 1: the first retry is attempt 2
                        reason = self._scrub(item.reason)
                        self._emit(StreamReset(index, agent.id, item.attempt, reason, item.delay_s))
        except ProviderError as exc:
            error, error_kind = self._scrub(exc.message), "permanent" if exc.permanent else "transient"
        except TimeoutError as exc:
            cut_by = watch.expired
            error = self._limits.message(cut_by) if cut_by else self._scrub(f"TimeoutError: {exc}")
            error_kind = "transient"
        except Exception as exc:  # a provider bug must not crash the session: it becomes a failed turn
            error, error_kind = self._scrub(f"{type(exc).__name__}: {exc}"), "transient"
        finally:
            del self.in_flight[index]
        turn = Turn(
            index=index,
            round=plan.round,
            agent_id=agent.id,
            nickname=nickname,
            model=agent.provider,
            text=self._scrub("".join(parts)) if error is None or cut_by else "",  # a key split over chunks
            error=error,
            error_kind=error_kind,
            started_at=started,
            ended_at=self._clock(),
            prompt_tokens=usage.prompt_tokens,
            completion_tokens=usage.completion_tokens,
            retries=retries,
            phase=plan.phase,
            cut_by=cut_by,
            rerun=rerun,
        )
        self._emit(TurnFailed(turn) if turn.failed else TurnCompleted(turn))
        return turn

    def _complete_round(self, round_index: int) -> None:
        self._emit(RoundCompleted(round_index))
        if self._worker is not None:
            self._worker.end_round(round_index)

    async def _measured(self) -> None:
        """Wait until every finished turn (and round) has been measured and its metrics emitted."""
        if self._worker is not None:
            await self._worker.drained()

    async def _finish(self, reason: Literal["finished", "stopped"], last_round: int | None) -> None:
        if reason == "finished" and last_round is not None:
            self._complete_round(last_round)
        await self._measured()  # the session file gets every metrics point before it ends
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
