"""``convscope sweep``: many sessions headless, one CSV, resumable."""

from __future__ import annotations

import asyncio
import csv
from pathlib import Path

import pytest

from convscope.core.events import Event, TurnCompleted
from convscope.runtime.session import SessionRuntime
from convscope.sessions.store import SessionStore
from convscope.sweep.folder import SweepFolder
from convscope.sweep.run import prepare
from convscope.sweep.spec import load_sweep
from tests.e2e.cli_support import convscope, files_under
from tests.support.openai_sse_server import OpenAIStub, Status

RELAY = """
title = "echo relay"
protocol = "relay"
rounds = 6
brief = "unused when a seed sentence is picked"

[[agents]]
id = "a"
nickname = "A"
provider = "scripted:echo"

[[agents]]
id = "b"
nickname = "B"
provider = "scripted:echo"
"""


def relay_sweep(folder: Path) -> Path:
    (folder / "relay.toml").write_text(RELAY, encoding="utf-8")
    path = folder / "relays.toml"
    path.write_text(
        'base = "relay.toml"\nconcurrency = 2\n[grid]\n"options.seed_sentence" = [0, 1, 2]\n',
        encoding="utf-8",
    )
    return path


def csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_a_sweep_of_three_relays_runs_them_all_and_writes_one_csv_row_each(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = convscope("sweep", str(relay_sweep(tmp_path)), "--out", str(out), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = csv_rows(out / "results.csv")
    assert [row["options.seed_sentence"] for row in rows] == ["0", "1", "2"]
    assert all(row["status"] == "finished" and row["turns"] == "6" for row in rows)
    assert all(row["loop.detected"] == "True" for row in rows)  # echo agents repeat each other
    store = SessionStore(out / "sessions")
    assert sorted(summary.id for summary in store.list()) == sorted(row["session"] for row in rows)
    assert "loops: 3 of 3 sessions fell into a loop (100%)" in result.stderr
    assert "3 run now" in result.stderr


def test_a_rerun_continues_an_interrupted_session_and_skips_the_finished_ones(tmp_path: Path) -> None:
    spec = relay_sweep(tmp_path)
    out = tmp_path / "out"
    sweep = load_sweep(spec)
    folder = SweepFolder(out)
    first = sweep.runs[0]
    session_id = prepare(folder, sweep, first)
    runtime = SessionRuntime.resume(session_id, store=folder.sessions)

    def stop_after_two(event: Event) -> None:
        if isinstance(event, TurnCompleted) and event.turn.index == 1:
            runtime.engine.stop()

    runtime.subscribe(stop_after_two)
    asyncio.run(runtime.run())
    early = folder.sessions.load(session_id).turns
    assert len(early) == 2

    result = convscope("sweep", str(spec), "--out", str(out), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    assert "2 run now" not in result.stderr and "3 run now" in result.stderr
    resumed = folder.sessions.load(session_id)
    assert resumed.status == "finished" and resumed.turns[:2] == early and len(resumed.turns) == 6
    assert len(SessionStore(out / "sessions").list()) == 3  # no second session for the first run

    before = {path: path.read_bytes() for path in files_under(out / "sessions")}
    again = convscope("sweep", str(spec), "--out", str(out), home=tmp_path / "home")
    assert again.returncode == 0 and "3 already done, 0 run now" in again.stderr
    assert {path: path.read_bytes() for path in files_under(out / "sessions")} == before
    assert len(csv_rows(out / "results.csv")) == 3


def test_a_network_sweep_row_sets_the_run_against_the_degroot_theory(tmp_path: Path) -> None:
    agents = "\n".join(
        f'[[agents]]\nid = "n{i}"\nnickname = "N{i}"\nprovider = "degroot:4"\n' for i in range(6)
    )
    (tmp_path / "net.toml").write_text(
        'protocol = "network"\nrounds = 30\n[options]\ngraph = "ring"\nscorer = "pattern"\ntopic = "Tea"\n'
        + agents,
        encoding="utf-8",
    )
    spec = tmp_path / "nets.toml"
    spec.write_text('base = "net.toml"\nseeds = [1, 2]\n', encoding="utf-8")
    result = convscope("sweep", str(spec), "--out", str(tmp_path / "out"), home=tmp_path / "home")
    assert result.returncode == 0, result.stderr
    rows = csv_rows(tmp_path / "out" / "results.csv")
    assert [row["seed"] for row in rows] == ["1", "2"]
    for row in rows:
        assert float(row["consensus.rmse"]) < 0.01
        assert float(row["consensus.lambda2"]) > 0
        assert row["disagreement.std"] != ""  # the live tracker scored the answers


def judged_network_sweep(folder: Path, judge: str) -> Path:
    """A sweep of two seeds of a network of DeGroot agents whose answers ``judge`` scores."""
    agents = "\n".join(
        f'[[agents]]\nid = "n{i}"\nnickname = "N{i}"\nprovider = "degroot:4"\n' for i in range(3)
    )
    (folder / "net.toml").write_text(
        'protocol = "network"\nrounds = 3\n[options]\ngraph = "complete"\nscorer = "judge"\n'
        f'judge = "{judge}"\n' + agents,
        encoding="utf-8",
    )
    spec = folder / "nets.toml"
    spec.write_text('base = "net.toml"\nseeds = [1, 2]\n', encoding="utf-8")
    return spec


def test_sessions_that_break_are_named_with_their_error_and_the_exit_code_is_1(
    tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    revoked = Status(401, "the judge's key was revoked")  # permanent: no retries to wait out
    openai_stub.script(revoked, revoked)  # one per session, which ends at its first judge call
    spec = judged_network_sweep(tmp_path, f"openai-compatible:{openai_stub.base_url}#judge")
    result = convscope("sweep", str(spec), "--out", str(tmp_path / "out"), home=tmp_path / "home")
    assert result.returncode == 1
    stderr = " ".join(result.stderr.split())  # the terminal width wraps lines anywhere between words
    assert stderr.count("failed: ProviderError") == 2 and "401 - the judge's key was revoked" in stderr
    assert "0 of 2 sessions finished" in stderr


def test_a_network_sweep_whose_judge_has_no_key_is_refused_in_one_line_before_any_run(tmp_path: Path) -> None:
    spec = judged_network_sweep(tmp_path, "openai:gpt-5-nano")
    out = tmp_path / "out"
    result = convscope(
        "sweep", str(spec), "--out", str(out), home=tmp_path / "home", env={"OPENAI_API_KEY": ""}
    )
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert "'judge'" in line and "OPENAI_API_KEY is not set" in line
    assert not out.exists()


def test_a_sweep_whose_base_does_not_exist_fails_in_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.toml"
    spec.write_text('base = "nowhere.toml"\n', encoding="utf-8")
    result = convscope("sweep", str(spec), home=tmp_path / "home")
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "nowhere.toml" in result.stderr


@pytest.mark.slow
def test_the_same_sweep_runs_its_sessions_as_tasks_on_a_local_ray_instance(tmp_path: Path) -> None:
    pytest.importorskip("ray")
    out = tmp_path / "out"
    result = convscope(
        "sweep", str(relay_sweep(tmp_path)), "--out", str(out), "--ray", "local", home=tmp_path / "home"
    )
    assert result.returncode == 0, result.stderr
    rows = csv_rows(out / "results.csv")
    assert len(rows) == 3 and all(row["status"] == "finished" and row["turns"] == "6" for row in rows)
