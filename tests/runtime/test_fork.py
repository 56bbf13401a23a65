"""Branching a session: the parent's turns before the branch point verbatim, then a live run."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future

import pytest

from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.errors import ConfigError, UserError
from convscope.core.events import Event, TurnCompleted
from convscope.core.protocols import tracker_for
from convscope.core.records import FailureInjected, Renamed, ThresholdsChanged
from convscope.runtime.fork import BranchChanges, fork_at_next_turn, fork_session
from convscope.runtime.session import SessionRuntime
from convscope.sessions.branching import BranchPointError
from convscope.sessions.errors import CorruptSessionError
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.schema import BranchOrigin, SessionDocument
from convscope.sessions.store import SessionStore


def varied_config(rounds: int = 3) -> SessionConfig:
    """Agents whose replies depend only on the conversation so far (an echo repeats the last
    message it was shown), so that a branch run on from the parent's turns says what the
    parent said, and the metrics move from turn to turn."""
    agents = (
        AgentSpec(id="a", nickname="Agent-A", provider="scripted:echo"),
        AgentSpec(id="b", nickname="Agent-B", provider="scripted:text:Food trucks bring people to the park."),
        AgentSpec(id="c", nickname="Agent-C", provider="scripted:echo"),
    )
    return SessionConfig(title="festival", brief="Plan a festival in the park.", rounds=rounds, agents=agents)


async def finished(config: SessionConfig, store: SessionStore) -> SessionDocument:
    runtime = SessionRuntime.start(config, store=store)
    await runtime.run()
    return store.load(runtime.session_id)


async def branched(
    store: SessionStore, parent: str, at_turn: int, changes: BranchChanges | None = None
) -> SessionDocument:
    runtime = fork_session(parent, at_turn, changes, store=store)
    await runtime.run()
    return store.load(runtime.session_id)


def text_of(document: SessionDocument) -> list[tuple[int, int, str, str, str]]:
    return [(t.index, t.round, t.agent_id, t.nickname, t.text) for t in document.turns]


@pytest.mark.parametrize("at_turn", [0, 3, 4, 9])  # the start, a round boundary, inside a round, the end
async def test_a_branch_without_changes_starts_with_its_parent_and_runs_on_to_the_same_session(
    at_turn: int,
) -> None:
    store = SessionStore()
    parent = await finished(varied_config(), store)
    branch = await branched(store, parent.id, at_turn)

    assert branch.parent == BranchOrigin(session_id=parent.id, at_turn=at_turn)
    assert branch.turns[:at_turn] == parent.turns[:at_turn]  # verbatim: timestamps and all
    assert text_of(branch) == text_of(parent)  # scripted agents: the live part says the same
    assert [(p.turn_index, p.round, p.values) for p in branch.metrics] == [
        (p.turn_index, p.round, p.values) for p in parent.metrics
    ]
    assert branch.status == "finished"


async def test_the_copied_metrics_are_what_the_tracker_computes_for_the_branch() -> None:
    store = SessionStore()
    parent = await finished(varied_config(), store)
    branch = await branched(store, parent.id, 4, BranchChanges(renames={"b": "Zed"}))
    recomputed = tracker_for(branch.config).run(branch.turns, branch.controls)
    assert [(p.turn_index, p.values) for p in branch.metrics] == [
        (p.turn_index, p.values) for p in recomputed
    ]


async def test_keyboard_changes_are_recorded_at_the_branch_turn_and_take_effect_there() -> None:
    store = SessionStore()
    parent = await finished(varied_config(), store)
    changes = BranchChanges(renames={"b": "Zed"}, failures={"c": "decommissioned"}, thresholds={"bleu": 0.2})
    branch = await branched(store, parent.id, 5, changes)

    assert branch.controls[:3] == [
        Renamed(turn_index=5, at=branch.controls[0].at, agent_id="b", name="Zed", previous="Agent-B"),
        FailureInjected(turn_index=5, at=branch.controls[1].at, agent_id="c", mode="decommissioned"),
        ThresholdsChanged(turn_index=5, at=branch.controls[2].at, thresholds={"bleu": 0.2}),
    ]
    assert branch.config == parent.config  # none of these is a config change
    later = branch.turns[5:]
    assert [t.nickname for t in later if t.agent_id == "b"] == ["Zed"]
    assert all(t.failed for t in later if t.agent_id == "c")
    assert not any(t.failed for t in branch.turns[:5])


async def test_config_changes_run_the_branch_on_another_model_for_other_rounds() -> None:
    store = SessionStore()
    parent = await finished(varied_config(rounds=2), store)
    echo = AgentSpec(id="a", nickname="Agent-A", provider="scripted:text:Only the park.")
    branch = await branched(store, parent.id, 3, BranchChanges(agents=(echo,), rounds=3))

    assert branch.config.rounds == 3
    assert branch.turns[0].model == parent.turns[0].model  # the parent's turns keep their model
    assert [t.text for t in branch.turns if t.agent_id == "a"] == [
        parent.turns[0].text,
        "Only the park.",
        "Only the park.",
    ]
    assert branch.controls == []


async def test_a_network_branched_inside_a_simultaneous_round_refills_that_round() -> None:
    store = SessionStore()
    agents = tuple(AgentSpec(id=f"n{i}", nickname=f"N{i}", provider="degroot:4") for i in range(4))
    config = SessionConfig(
        protocol="network",
        rounds=3,
        seed=3,
        agents=agents,
        options={"graph": "complete", "scorer": "pattern", "topic": "Bitcoin"},
    )
    parent = await finished(config, store)
    branch = await branched(store, parent.id, 6)  # round 1 is turns 4..7

    assert [(t.index, t.round, t.agent_id) for t in branch.turns] == [
        (t.index, t.round, t.agent_id) for t in parent.turns
    ]
    assert [t.text for t in branch.turns] == [t.text for t in parent.turns]
    assert [p.values for p in branch.metrics] == [p.values for p in parent.metrics]


async def test_a_branch_beyond_the_parents_end_is_refused_and_nothing_is_created() -> None:
    store = SessionStore()
    parent = await finished(varied_config(rounds=1), store)
    with pytest.raises(BranchPointError, match=r"it has 3 turns \(branch at 0 to 3\)"):
        fork_session(parent.id, 4, store=store)
    with pytest.raises(BranchPointError):
        fork_session(parent.id, -1, store=store)
    assert [s.id for s in store.list()] == [parent.id]


@pytest.mark.parametrize(
    ("changes", "error", "message"),
    [
        (BranchChanges(renames={"z": "Zed"}), UserError, "no agent 'z' in this session"),
        (BranchChanges(failures={"a": "exploded"}), ConfigError, "unknown failure mode 'exploded'"),
        (BranchChanges(thresholds={"bleu": 3.0}), ConfigError, "thresholds: bleu"),
        (BranchChanges(rounds=0), ConfigError, "rounds"),
    ],
)
async def test_a_change_that_cannot_run_is_refused_before_anything_is_created(
    changes: BranchChanges, error: type[Exception], message: str
) -> None:
    store = SessionStore()
    parent = await finished(varied_config(rounds=1), store)
    with pytest.raises(error, match=message):
        fork_session(parent.id, 1, changes, store=store)
    assert [s.id for s in store.list()] == [parent.id]


async def test_a_corrupt_parent_is_reported_and_left_untouched() -> None:
    store = SessionStore()
    parent = await finished(varied_config(rounds=1), store)
    snapshot = store.root / parent.id / SNAPSHOT_NAME
    snapshot.write_bytes(snapshot.read_bytes()[:-40])
    damaged = snapshot.read_bytes()
    with pytest.raises(CorruptSessionError):
        fork_session(parent.id, 1, store=store)
    assert snapshot.read_bytes() == damaged
    assert len(list(store.root.iterdir())) == 1


async def test_a_parent_still_being_written_can_be_branched_and_stays_its_writers() -> None:
    store = SessionStore()
    parent = await finished(varied_config(rounds=2), store)
    still_running = SessionRuntime.resume(parent.id, store=store)  # holds the parent's lock
    try:
        branch = await branched(store, parent.id, 2)
    finally:
        still_running.writer.close()
    assert branch.parent == BranchOrigin(session_id=parent.id, at_turn=2)
    assert text_of(branch) == text_of(parent)


async def test_a_running_session_branches_at_its_next_turn_boundary_and_goes_on() -> None:
    store = SessionStore()
    running = SessionRuntime.start(varied_config(rounds=2), store=store)
    branches: list[Future[SessionRuntime]] = []

    def branch_after_turn_1(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            branches.append(fork_at_next_turn(running, BranchChanges(renames={"a": "Ada"})))

    running.subscribe(branch_after_turn_1)
    await running.run()
    branch = branches[0].result(timeout=30)  # built on a thread of its own
    await branch.run()

    parent, child = store.load(running.session_id), store.load(branch.session_id)
    assert parent.status == "finished" and len(parent.turns) == 6  # the parent went on
    assert child.parent == BranchOrigin(session_id=parent.id, at_turn=2)
    assert child.turns[:2] == parent.turns[:2]
    assert [p for p in child.metrics if p.turn_index is not None and p.turn_index < 2] == [
        p for p in parent.metrics if p.turn_index is not None and p.turn_index < 2
    ]
    assert [(c.kind, c.turn_index) for c in child.controls] == [("renamed", 2)]
    assert [t.nickname for t in child.turns[2:] if t.agent_id == "a"] == ["Ada"]


async def test_a_branch_asked_of_a_session_cancelled_before_its_next_turn_fails_in_one_line() -> None:
    """Quitting cancels a running session: whoever waits for its branch hears why, at once."""
    store = SessionStore()
    running = SessionRuntime.start(varied_config(rounds=2), store=store)
    branches: list[Future[SessionRuntime]] = []
    run = asyncio.ensure_future(running.run())

    def branch_then_cancel_after_turn_1(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            branches.append(fork_at_next_turn(running, BranchChanges()))
            run.cancel()

    running.subscribe(branch_then_cancel_after_turn_1)
    with pytest.raises(asyncio.CancelledError):
        await run
    with pytest.raises(
        UserError, match=r"^the session was stopped before its next turn: branch it from its replay$"
    ):
        branches[0].result(timeout=30)
    assert [summary.id for summary in store.list()] == [running.session_id]  # no branch was written
