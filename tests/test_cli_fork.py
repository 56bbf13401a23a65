"""``convscope fork`` and the sessions listing of branches, in-process (sync tests: the
command runs its own event loop)."""

from __future__ import annotations

import asyncio

import pytest

from convscope.cli import main
from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.runtime.session import SessionRuntime
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.schema import BranchOrigin, SessionDocument
from convscope.sessions.store import SessionStore


def parent_session(rounds: int = 2) -> SessionDocument:
    agents = (
        AgentSpec(id="a", nickname="Agent-A", provider="scripted:echo"),
        AgentSpec(id="b", nickname="Agent-B", provider="scripted:text:Food trucks in the park."),
    )
    store = SessionStore()
    runtime = SessionRuntime.start(
        SessionConfig(brief="Plan a festival.", rounds=rounds, agents=agents), store=store
    )
    asyncio.run(runtime.run())
    return store.load(runtime.session_id)


def only_branch(store: SessionStore, parent: SessionDocument) -> SessionDocument:
    [branch] = [s for s in store.list() if s.id != parent.id]
    return store.load(branch.id)


def test_fork_runs_a_branch_headless_with_every_kind_of_change(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parent = parent_session()
    code = main(
        [
            "fork", parent.id, "--at", "2", "--headless", "--rounds", "3",
            "--agent", "a 'scripted:text:Only the park.' temperature=0.1",
            "--rename", "b=Zed", "--fail", "b=crash-after:1", "--threshold", "bleu=0.2",
        ]
    )  # fmt: skip
    assert code == 0
    store = SessionStore()
    branch = only_branch(store, parent)
    err = capsys.readouterr().err
    assert f"branch {branch.id} of {parent.id} at turn 2" in err and f"saved as {branch.id}" in err
    assert branch.parent == BranchOrigin(session_id=parent.id, at_turn=2)
    assert branch.turns[:2] == parent.turns[:2]
    assert [t.text for t in branch.turns[2:] if t.agent_id == "a"] == ["Only the park.", "Only the park."]
    assert [(t.nickname, t.failed) for t in branch.turns[2:] if t.agent_id == "b"] == [
        ("Zed", False),
        ("Zed", True),
    ]
    assert [c.kind for c in branch.controls] == ["renamed", "failure_injected", "thresholds_changed"]
    assert {c.turn_index for c in branch.controls} == {2}
    assert branch.config.rounds == 3 and branch.config.agent("a").params.temperature == 0.1
    assert branch.config.agent("b") == parent.config.agent("b")  # renames and failures are not config


@pytest.mark.parametrize(
    ("options", "complaint"),
    [
        (["--at", "5"], "it has 4 turns (branch at 0 to 4)"),
        (["--at", "1", "--rename", "b"], "rename 'b' must look like ID=NAME"),
        (["--at", "1", "--rename", "z=Zed"], "no agent 'z' in this session"),
        (["--at", "1", "--fail", "b=exploded"], "unknown failure mode 'exploded'"),
        (["--at", "1", "--threshold", "bleu=much"], "'much' is not a number"),
        (["--at", "1", "--threshold", "speed=1"], "thresholds: speed"),
        (["--at", "1", "--agent", "a nickname=Zed"], "with --rename ID=NAME"),
        (["--at", "1", "--agent", "a nowhere:model"], "nowhere"),
    ],
)
def test_a_fork_that_cannot_run_is_one_line_exit_2_and_creates_nothing(
    options: list[str], complaint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    parent = parent_session()
    assert main(["fork", parent.id, "--headless", *options]) == 2
    err = capsys.readouterr().err
    assert complaint in err and err.count("\n") == 1, err
    assert [s.id for s in SessionStore().list()] == [parent.id]


def test_forking_a_corrupt_session_is_one_line_and_leaves_it_as_it_was(
    capsys: pytest.CaptureFixture[str],
) -> None:
    parent = parent_session()
    snapshot = SessionStore().root / parent.id / SNAPSHOT_NAME
    snapshot.write_text("{")
    assert main(["fork", parent.id, "--at", "1", "--headless"]) == 2
    assert capsys.readouterr().err.count("\n") == 1
    assert snapshot.read_text() == "{"


def test_sessions_show_and_list_tell_a_branch_and_its_parent(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "200")  # the listing's rows on one line each
    parent = parent_session()
    assert main(["fork", parent.id, "--at", "3", "--headless"]) == 0
    branch = only_branch(SessionStore(), parent)
    capsys.readouterr()

    assert main(["sessions", "show", parent.id]) == 0
    assert capsys.readouterr().err == f"branched at turn 3 into {branch.id}\n"
    assert main(["sessions", "show", branch.id]) == 0
    shown = capsys.readouterr()
    assert shown.err == f"branch of {parent.id} at turn 3\n"
    assert SessionDocument.model_validate_json(shown.out).parent == BranchOrigin(
        session_id=parent.id, at_turn=3
    )

    assert main(["sessions", "list"]) == 0
    rows = {line.split()[0]: line for line in capsys.readouterr().out.splitlines()[1:]}
    assert rows[branch.id].rstrip().endswith(f"{parent.id} @3")
    assert rows[parent.id].rstrip().endswith("Agent-A, Agent-B")
