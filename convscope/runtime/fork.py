"""Branching a session: a new session that replays its parent up to a turn, then runs live.

``fork_session`` is what the CLI, the TUI and scripts call. The branch's first turns are
the parent's, copied with their control records and metrics and never generated again
(``convscope.sessions.branching``); from the branch point on it is an ordinary session
going on through :meth:`SessionRuntime.going_on`, exactly like a resumed one. The parent
is only read, so it may be finished, paused or still running in another process.

What the branch does differently comes in two kinds. What a person can change from the
keyboard during a run (a nickname, a failure mode, the loop thresholds) is queued on the
branch's engine before it starts, so it is recorded as control records stamped with the
branch turn, as if someone had pressed the keys there. What only a config can say (an
agent's provider or sampling parameters, the number of rounds) is the branch's config.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from pydantic import ValidationError

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.config_files import first_validation_error, validate_config
from convscope.core.engine import Engine
from convscope.core.errors import ConfigError, UserError
from convscope.core.events import BranchPoint, Event, SessionEnded
from convscope.core.metrics.loops import thresholds_from
from convscope.core.providers.failures import parse_failure
from convscope.runtime.session import SessionRuntime
from convscope.sessions.branching import branch_document, check_branch_point
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore


@dataclass(frozen=True)
class BranchChanges:
    """What a branch does differently from its parent, from the branch turn on.

    ``agents`` replace the parent's agents of the same id (another provider, other
    parameters); ``failures`` maps an agent id to a failure mode, or to None to clear one.
    """

    agents: tuple[AgentSpec, ...] = ()
    rounds: int | None = None
    renames: Mapping[str, str] = field(default_factory=dict)
    failures: Mapping[str, str | None] = field(default_factory=dict)
    thresholds: Mapping[str, float] = field(default_factory=dict)

    @classmethod
    def parse(
        cls,
        *,
        renames: Sequence[str] = (),
        failures: Sequence[str] = (),
        thresholds: Sequence[str] = (),
        agents: tuple[AgentSpec, ...] = (),
        rounds: int | None = None,
    ) -> BranchChanges:
        """Changes as the command line and the TUI's branch dialog take them: ``ID=NAME``
        renames, ``ID=MODE`` failures (``none`` clears one), ``NAME=VALUE`` thresholds."""
        numbers: dict[str, float] = {}
        for name, text in _pairs(thresholds, "threshold", "NAME=VALUE").items():
            try:
                numbers[name] = float(text)
            except ValueError:
                raise UserError(f"threshold {name}={text}: {text!r} is not a number") from None
        modes = _pairs(failures, "failure", "ID=MODE")
        return cls(
            agents=agents,
            rounds=rounds,
            renames=_pairs(renames, "rename", "ID=NAME"),
            failures={agent: None if mode == "none" else mode for agent, mode in modes.items()},
            thresholds=numbers,
        )

    def config_for(self, parent: SessionConfig) -> SessionConfig:
        """The branch's config: the parent's with the agents and rounds changed; the other
        changes are checked here, so that nothing is created for a branch that cannot run."""
        replaced = {agent.id: agent for agent in self.agents}
        ids = [agent.id for agent in parent.agents]
        for agent_id in [*replaced, *self.renames, *self.failures]:
            if agent_id not in ids:
                raise UserError(f"no agent {agent_id!r} in this session (its agents: {', '.join(ids)})")
        for agent_id, name in self.renames.items():
            if not name.strip():
                raise UserError(f"a new name for {agent_id!r} cannot be empty")
        for mode in self.failures.values():
            if mode is not None:
                try:
                    parse_failure(mode)
                except ValueError as exc:
                    raise ConfigError(str(exc)) from None
        try:
            thresholds_from(self.thresholds)
        except ValidationError as exc:
            raise ConfigError(f"thresholds: {first_validation_error(exc, 'thresholds')}") from None
        changes: dict[str, object] = {"agents": [replaced.get(agent.id, agent) for agent in parent.agents]}
        if self.rounds is not None:
            changes["rounds"] = self.rounds
        return validate_config({**parent.model_dump(), **changes}, "branch")

    def queue_on(self, engine: Engine) -> None:
        """Ask ``engine`` for the keyboard's changes; it records them before its first turn."""
        for agent_id, name in self.renames.items():
            engine.rename(agent_id, name)
        for agent_id, mode in self.failures.items():
            if mode is None:
                engine.clear_failure(agent_id)
            else:
                engine.inject_failure(agent_id, mode)
        if self.thresholds:
            engine.set_thresholds(self.thresholds)


def _pairs(values: Sequence[str], what: str, shape: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for value in values:
        key, sep, rest = value.partition("=")
        if not sep or not key.strip() or not rest.strip():
            raise UserError(f"{what} {value!r} must look like {shape}")
        pairs[key.strip()] = rest.strip()
    return pairs


def fork_session(
    parent: str | SessionDocument,
    at_turn: int,
    changes: BranchChanges | None = None,
    *,
    store: SessionStore | None = None,
    start_paused: bool = False,
    clock: Callable[[], float] = time.time,
) -> SessionRuntime:
    """A new session in ``store`` branching from ``parent`` (an id, a unique prefix, or the
    document itself) at turn ``at_turn``, ready to run. Raises a one-line error, having
    written nothing, for a parent that cannot be read or a turn outside it."""
    store = store or SessionStore()
    document = store.load(parent) if isinstance(parent, str) else parent
    check_branch_point(document, at_turn)
    changes = changes or BranchChanges()
    config = changes.config_for(document.config)
    writer = store.create_from(
        lambda session_id, now: branch_document(document, at_turn, config, session_id, now)
    )
    runtime = SessionRuntime.going_on(store, writer, start_paused=start_paused, clock=clock)
    changes.queue_on(runtime.engine)
    return runtime


def fork_at_next_turn(
    running: SessionRuntime, changes: BranchChanges | None = None
) -> Future[SessionRuntime]:
    """Branch a session as it runs, at its next turn boundary (at once when it is paused).

    The engine announces the boundary once the turns before it are recorded and measured
    (``Engine.fork``); the session's record is copied there, on the engine's thread, and the
    branch is built from the copy on a thread of its own (it writes a file), so the running
    session never waits for it. The future gets the branch ready to run, or the error that
    stopped it; a session that ends before its next boundary fails it with a one-line
    error. The running session goes on: a front end that wants it to wait pauses it too.
    """
    changes = changes or BranchChanges()
    changes.config_for(running.engine.config)  # a change that cannot run fails now, not later
    branch: Future[SessionRuntime] = Future()

    def build(record: SessionDocument, at_turn: int) -> None:
        try:
            branch.set_result(fork_session(record, at_turn, changes, store=running.store))
        except Exception as error:  # reported to whoever asked; the running session goes on
            branch.set_exception(error)

    def at_branch_point(event: Event) -> None:
        if isinstance(event, BranchPoint):
            running.unsubscribe(at_branch_point)
            record = running.writer.document.model_copy(deep=True)
            threading.Thread(target=build, args=(record, event.turn_index), name="convscope-branch").start()
        elif isinstance(event, SessionEnded):
            running.unsubscribe(at_branch_point)
            ended = {"finished": "finished", "stopped": "was stopped", "error": "failed"}[event.reason]
            branch.set_exception(
                UserError(f"the session {ended} before its next turn: branch it from its replay")
            )

    running.subscribe(at_branch_point)
    running.engine.fork()
    return branch
