"""Runs a protocol turn by turn, streams the agents' text, obeys commands, emits events.

Events out, commands in: observers are called synchronously, in order, for every event,
always on the engine's loop (the session writer journals a turn before the next one
starts, so a crash loses at most the turn in flight). Commands (pause, step, rename,
inject a failure...) are queued and take effect at the next turn boundary, where each is
recorded as a ``ControlApplied`` event stamped with the index of the turn it precedes; a
person's message (``say``) enters the transcript there as a human turn. Only ``interrupt``
acts at once: it cuts the turns in flight, then pauses at the boundary.
Finished turns are measured by a :class:`MetricsWorker` while the next turns run; the
engine waits for it only before a command, at the session's end, and before the turns of
a protocol that reads the metrics (``ConversationProtocol.plans_from_metrics``).
The config's scheduled interventions (``core/interventions.py``) are sent as those same
commands at their boundary; its alarms (``core/alarms.py``) are checked at every boundary,
after waiting for the finished turns' metrics, so that they land before the same turn on
every run.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Literal

from convscope.core.agents import AgentSpec
from convscope.core.alarms import AlarmWatch
from convscope.core.config import SessionConfig
from convscope.core.controls import Roster
from convscope.core.events import (
    BranchPoint,
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
from convscope.core.interventions import Schedule
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
    HUMAN_ID,
    HUMAN_MODEL,
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
from convscope.core.snapshot import Snapshot
from convscope.core.turn_limits import LimitWatch, TurnLimits

Observer = Callable[[Event], None]
ProviderFactory = Callable[[AgentSpec, str | None, int], Provider]
EngineState = Literal["idle", "running", "paused", "finished", "stopped"]


@dataclass(frozen=True)
class _Command:
    kind: ControlKind | Literal["said", "branch_point"]  # "said": a person's message, a human turn;
    # "branch_point": announced, not recorded
    agent_id: str = ""  # the agent concerned; for "said", the one addressed ("" for all)
    text: str = ""  # the new name, the failure mode, the message, or why the session stops
    thresholds: Mapping[str, float] = field(default_factory=dict)
    speaker: str = ""  # who said the message
    intervention: int | None = None  # the scheduled intervention that sent it


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
        snapshots: Sequence[Snapshot] = (),
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
        self._schedule = Schedule(config.interventions, self.transcript, controls)
        self._alarms = AlarmWatch(config.alarms, snapshots)  # ``snapshots``: those saved, when resuming
        self._sending: int | None = None  # the scheduled intervention whose commands are being queued
        self.state: EngineState = "paused" if start_paused else "idle"
        self.in_flight: dict[int, TurnPlan] = {}  # turn index -> plan, for the turns running now
        self._watches: dict[int, LimitWatch] = {}  # turn index -> its limits, for interrupt()
        self._cut_batch = False  # interrupt(): the batch running now is cut, turns yet to start too
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
        self._stop_reason = ""
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

    def stop(self, reason: str | None = None) -> None:
        self._queue(_Command("stopped", text=reason or ""))

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

    def say(self, text: str, *, speaker: str = "Moderator", to: str | None = None) -> None:
        """A person's message: at the next turn boundary it enters the transcript as a human
        turn under ``speaker``, for every agent or only for the agent ``to`` (an id), and
        each protocol shows it to its agents in its own way."""
        if to is not None:
            self.config.agent(to)  # KeyError for an unknown agent, now rather than later
        if not text.strip():
            raise ValueError("a message cannot be empty")
        if not speaker.strip():
            raise ValueError("a speaker's nickname cannot be empty")
        self._queue(_Command("said", to or "", text.strip(), speaker=speaker.strip()))

    def interrupt(self) -> None:
        """Cut the turns in flight now, keeping what they streamed (marked interrupted, not
        failed), then pause; unlike ``pause``, which lets them finish. Safe from any thread."""
        self._queue(_Command("paused"))
        if self._loop is None:
            return
        if threading.get_ident() == self._loop_thread:
            self._cut_in_flight()
        else:
            self._loop.call_soon_threadsafe(self._cut_in_flight)

    def set_thresholds(self, thresholds: Mapping[str, float]) -> None:
        """New loop-detection thresholds for the metrics, e.g. ``{"bleu": 0.3}``."""
        self._queue(_Command("thresholds_changed", thresholds=dict(thresholds)))

    def fork(self) -> None:
        """Ask for a branch point: at the next turn boundary, once the turns before it are
        measured, emit ``BranchPoint`` with the index of the turn a branch would start at.
        The run goes on; whoever asked builds the branch from the session's record
        (``convscope.runtime.fork.fork_at_next_turn``)."""
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
            self._worker = MetricsWorker(self._metrics, self._measured_snapshot)
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
                if await self._scheduled(plans):
                    continue  # what landed may pause, stop or rename: plan again
                await self._run_turns(plans)
                if self._pause_after_turn:
                    await self._measured()
                    if self.protocol.next_turns(self.transcript, self.roster.names):
                        self._record(_Command("paused"))
                    else:  # the step ran the last turn: the session finishes, not waits
                        self._pause_after_turn = False
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
        self._cut_batch = False  # a boundary: an interrupt cut what ran before it, not what follows
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

    async def _scheduled(self, plans: Sequence[TurnPlan]) -> bool:
        """Queue the interventions due before ``plans`` and, when the session has alarms, the
        actions of those the finished turns' metrics set off (waiting for those metrics, so
        that an alarm lands before the same turn on every run). True when anything landed."""
        due = self._schedule.due(self._next_indices(len(plans)), plans[0].round)
        for position, intervention in due:
            self._sending = position
            try:
                intervention.action.send(self)
            finally:
                self._sending = None
        fired = False
        if self._alarms:
            await self._measured()
            fired = self._record_alarms(act=True)
        return bool(due) or fired

    def _measured_snapshot(self, snapshot: MetricsUpdated) -> None:
        self._emit(snapshot)
        self._alarms.observe(snapshot)

    def _record_alarms(self, *, act: bool) -> bool:
        """Record the alarms fired since the last boundary, then queue their actions (``act``)."""
        firings = self._alarms.take()
        for firing in firings:
            self._apply(firing.record(self.next_turn_index, self._clock()))
            if act:
                firing.alarm.send(self)
        return bool(firings)

    def _queue(self, command: _Command) -> None:
        if self._sending is not None and threading.get_ident() == self._loop_thread:
            command = replace(command, intervention=self._sending)
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

    def _cut_in_flight(self) -> None:
        if not self.in_flight:
            return  # between batches: the queued pause is all there is to do
        self._cut_batch = True
        for watch in self._watches.values():
            watch.interrupt()

    def _record(self, command: _Command) -> None:
        """Apply one command now and emit it as a control record (a message, as a human turn)."""
        if command.kind == "said":
            self._add_human_turn(command)
            return
        if command.kind == "branch_point":  # announced, not recorded: the session does not change
            self._emit(BranchPoint(self.next_turn_index))
            return
        record = self._control_record(command)
        if record is None:
            return
        if command.intervention is not None:
            record = record.model_copy(update={"intervention": command.intervention})
        self._apply(record)

    def _apply(self, record: ControlRecord) -> None:
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
                self._stop_reason = command.text
                return Stopped(turn_index=index, at=at, reason=command.text or None)
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
            case "alarm_fired" | "said" | "branch_point":  # handled by ``_record_alarms``, ``_record``
                return None

    def _add_human_turn(self, command: _Command) -> None:
        """The person's message as the next turn, in the round of the turn before it: it is
        journalled and measured (as a turn no agent took) like any other."""
        last = self.transcript[-1] if self.transcript else None
        at = self._clock()
        turn = Turn(
            index=last.index + 1 if last else 0,
            round=last.round if last else 0,
            agent_id=HUMAN_ID,
            nickname=command.speaker,
            model=HUMAN_MODEL,
            text=command.text,
            started_at=at,
            ended_at=at,
            human=True,
            to=command.agent_id or None,
        )
        self.transcript.append(turn)
        self._emit(TurnCompleted(turn))
        if self._worker is not None:
            self._worker.measure([turn])

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
        """A batch's turn indices (:meth:`_next_indices`), the holes it refills taken. True
        when holes were refilled."""
        indices = self._next_indices(count)
        refilled, self._holes = self._holes[:count], self._holes[count:]
        return indices, bool(refilled)

    def _next_indices(self, count: int) -> list[int]:
        """The next batch's turn indices: first the holes left by a batch cut short (resuming
        that round: the protocol asks again for the agents missing from it, in the same
        order), then new ones after the last turn."""
        refilled = self._holes[:count]
        start = self.transcript[-1].index + 1 if self.transcript else 0
        return refilled + list(range(start, start + count - len(refilled)))

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
        watch = self._watches[index] = LimitWatch(self._limits)
        if self._cut_batch:  # interrupted while this turn waited for its provider
            watch.interrupt()
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
            if cut_by != "interrupt":  # an interrupted turn did not fail: it keeps its text
                error = self._limits.message(cut_by) if cut_by else self._scrub(f"TimeoutError: {exc}")
                error_kind = "transient"
        except Exception as exc:  # a provider bug must not crash the session: it becomes a failed turn
            error, error_kind = self._scrub(f"{type(exc).__name__}: {exc}"), "transient"
        finally:
            del self.in_flight[index]
            del self._watches[index]
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
        self._record_alarms(act=False)  # set off by the last turns: recorded, nothing left to act on
        self.state = reason
        self._emit(SessionEnded(reason, self._stop_reason if reason == "stopped" else ""))

    def _emit(self, event: Event) -> None:
        for observer in self._observers:
            observer(event)


def _missing_indices(transcript: Sequence[Turn]) -> list[int]:
    """Turn indices below the last one that no turn has: a simultaneous batch interrupted
    after some of its turns were journalled (they finish, and are saved, in any order)."""
    present = {turn.index for turn in transcript}
    return [index for index in range(transcript[-1].index if transcript else 0) if index not in present]
