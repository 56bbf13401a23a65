"""``convscope fork`` end to end on the real embedded model: the branch replays its parent's
turns without a model call, then the model runs on, with the same seeds as the parent."""

from __future__ import annotations

from pathlib import Path

import pytest

from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope

TWO_LOCAL_AGENTS = """\
title = "fork on the local model"
protocol = "group_chat"
rounds = 2
brief = "Name one fruit."

[[agents]]
id = "a"
nickname = "Agent-A"
provider = "local:smollm2-135m"
params = { max_tokens = 8 }

[[agents]]
id = "b"
nickname = "Agent-B"
provider = "local:smollm2-135m"
params = { max_tokens = 8 }
"""


def saved_as(stderr: str) -> str:
    return stderr.strip().splitlines()[-1].removeprefix("saved as ")


@pytest.mark.slow
def test_a_local_session_branched_at_turn_2_replays_the_prefix_and_runs_on_live(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = tmp_path / "fork.toml"
    config.write_text(TWO_LOCAL_AGENTS, encoding="utf-8")
    run = convscope("run", str(config), "--headless", home=home)
    assert run.returncode == 0, run.stderr[-2000:]
    parent_id = saved_as(run.stderr)

    same = convscope("fork", parent_id, "--at", "2", "--headless", home=home)
    assert same.returncode == 0, same.stderr[-2000:]
    changes = ("--fail", "b=decommissioned", "--agent", "a max_tokens=3")
    crashed = convscope("fork", parent_id, "--at", "2", "--headless", *changes, home=home)
    assert crashed.returncode == 0, crashed.stderr[-2000:]

    store = SessionStore(home / "sessions")
    parent, same_branch, crash_branch = (
        store.load(session) for session in (parent_id, saved_as(same.stderr), saved_as(crashed.stderr))
    )
    assert same_branch.turns[:2] == parent.turns[:2] == crash_branch.turns[:2]  # copied, not generated
    assert [t.text for t in same_branch.turns] == [t.text for t in parent.turns]  # same seeds, same text
    a_live, b_live = crash_branch.turns[2:]
    assert 0 < (a_live.completion_tokens or 0) <= 3 and a_live.text.strip()
    assert b_live.failed and b_live.error_kind == "permanent"
    assert [(c.kind, c.turn_index) for c in crash_branch.controls] == [("failure_injected", 2)]
    show = convscope("sessions", "show", parent_id, home=home)
    assert show.stderr.count("branched at turn 2 into ") == 2
