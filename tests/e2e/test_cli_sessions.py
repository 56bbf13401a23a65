"""A headless run records everything; a kill -9 loses at most the turn in flight; resume continues."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope, files_under, write_config


def test_headless_group_chat_with_a_decommissioned_agent_runs_to_the_end_and_records_it(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    config = write_config(
        tmp_path / "c.toml",
        ("Agent-A", "scripted:text:I will design the API."),
        ("Agent-B", "scripted:text:I take the budget."),
        ("Agent-C", "scripted:text:unused"),
        rounds=2,
    )
    config.write_text(config.read_text(encoding="utf-8") + 'failure = "decommissioned"\n', encoding="utf-8")
    result = convscope("run", str(config), "--headless", home=home)
    assert result.returncode == 0, result.stderr
    assert result.stdout.splitlines().count("I take the budget.") == 2
    assert result.stdout.count("⚠") == 2  # the failure is visible in the chat, each round
    [summary] = SessionStore(home / "sessions").list()
    assert summary.status == "finished" and summary.turns == 6
    document = SessionStore(home / "sessions").load(summary.id)
    failed = [t for t in document.turns if t.failed]
    assert [t.agent_id for t in failed] == ["a2", "a2"]
    assert all(t.error_kind == "permanent" and "decommission" in (t.error or "") for t in failed)
    listing = convscope("sessions", "list", home=home)
    assert summary.id in listing.stdout and "finished" in listing.stdout
    header = listing.stdout.splitlines()[0].split()  # into a pipe, no column is dropped
    assert header == ["id", "date", "status", "turns", "protocol", "title", "agents", "branch", "of"]


def test_no_written_or_exported_file_contains_the_api_key(tmp_path: Path) -> None:
    home = tmp_path / "home"
    secret = "sk-test-DO-NOT-LEAK-4242"
    config = write_config(tmp_path / "c.toml", ("Agent-A", "scripted:echo"), rounds=1)
    config.write_text(config.read_text(encoding="utf-8") + 'key_env = "MY_SECRET_KEY"\n', encoding="utf-8")
    env = {"MY_SECRET_KEY": secret, "OPENAI_API_KEY": secret}
    assert convscope("run", str(config), "--headless", home=home, env=env).returncode == 0
    [summary] = SessionStore(home / "sessions").list()
    for fmt in ("json", "jsonl", "md", "csv"):
        out = tmp_path / f"export.{fmt}"
        assert (
            convscope("export", summary.id, "--format", fmt, "-o", str(out), home=home, env=env).returncode
            == 0
        )
    written = files_under(home) + files_under(tmp_path)
    assert any(p.suffix == ".md" for p in written)
    for path in written:
        assert secret.encode() not in path.read_bytes(), path
    assert "MY_SECRET_KEY" in (tmp_path / "export.json").read_text(encoding="utf-8")  # the name, not the key


def test_kill_9_mid_session_keeps_every_completed_turn_and_resume_finishes_it(tmp_path: Path) -> None:
    home = tmp_path / "home"
    rounds = 4
    config = write_config(
        tmp_path / "slow.toml",
        ("Agent-A", "scripted:text:alpha beta gamma delta?delay=0.05"),
        ("Agent-B", "scripted:text:one two three four?delay=0.05"),
        rounds=rounds,
    )
    env = {**os.environ, "CONVSCOPE_HOME": str(home)}
    child = subprocess.Popen(
        [sys.executable, "-m", "convscope.cli", "run", str(config), "--headless"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    store = SessionStore(home / "sessions")
    deadline = time.monotonic() + 60
    completed = 0
    while completed < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
        summaries = store.list()
        completed = summaries[0].turns if summaries else 0
    os.kill(child.pid, signal.SIGKILL)
    child.wait(10)
    assert completed >= 3, "the child never completed three turns"

    [summary] = store.list()
    assert summary.status == "interrupted"
    document = store.load(summary.id)
    assert len(document.turns) >= completed
    assert [t.index for t in document.turns] == list(range(len(document.turns)))
    assert all(not t.failed and t.text for t in document.turns)

    resumed = convscope("resume", summary.id, "--headless", home=home)
    assert resumed.returncode == 0, resumed.stderr
    final = store.load(summary.id)
    assert final.status == "finished"
    assert [t.index for t in final.turns] == list(range(2 * rounds))
    assert [t.turns for t in store.list()] == [2 * rounds]
    assert final.turns[: len(document.turns)] == document.turns


def test_export_formats_are_written_and_json_round_trips(tmp_path: Path) -> None:
    home = tmp_path / "home"
    config = write_config(tmp_path / "c.toml", ("Agent-A", "scripted:text:hello"), rounds=2)
    assert convscope("run", str(config), "--headless", home=home).returncode == 0
    [summary] = SessionStore(home / "sessions").list()
    as_json = convscope("export", summary.id, "--format", "json", home=home)
    assert json.loads(as_json.stdout)["id"] == summary.id
    as_jsonl = convscope("export", summary.id, "--format", "jsonl", home=home).stdout.splitlines()
    assert len(as_jsonl) == 1 + 2
    markdown = convscope("export", summary.id, "--format", "md", home=home).stdout
    assert "Agent-A" in markdown and "hello" in markdown


@pytest.mark.slow
def test_run_semantic_records_live_embedding_distances_and_a_plain_run_does_not(tmp_path: Path) -> None:
    config = write_config(
        tmp_path / "c.toml",
        ("Agent-A", "scripted:text:We should ship the MVP in three months."),
        ("Agent-B", "scripted:text:Le budget est serré, livrons en trois mois."),
        rounds=2,
    )
    for flags, measured in (((), False), (("--semantic",), True)):
        home = tmp_path / f"home-{measured}"
        result = convscope("run", str(config), "--headless", *flags, home=home)
        assert result.returncode == 0, result.stderr
        store = SessionStore(home / "sessions")
        [summary] = store.list()
        document = store.load(summary.id)
        assert document.config.semantic_metrics is measured
        cosines = [p.values.get("loop.cosine") for p in document.metrics if "loop.cosine" in p.values]
        assert cosines and cosines[0] is None  # the first turn has nothing to compare with
        assert all(isinstance(c, float) for c in cosines[1:]) is measured
