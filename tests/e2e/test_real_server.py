"""A group chat against a real third-party server (``transformers serve``), killed mid-stream.

The stub server stays for the fault kinds a real server cannot be made to produce; this is
the one a user meets first: the server dies while an agent is speaking. The turn must fail
with the connection's error, every completed turn must survive, and once the server is back
``convscope resume --retry-failed`` must re-run the failed turn and finish the session.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from convscope.core.reruns import latest_turns
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.support.transformers_server import (
    OFFLINE_ENV,
    free_port,
    kill,
    smollm2_folder,
    transformers_serve,
)

pytest.importorskip("fastapi", reason="transformers serve needs its serving extra: transformers[serving]")
pytest.importorskip("uvicorn", reason="transformers serve needs its serving extra: transformers[serving]")

pytestmark = pytest.mark.slow

# Ada's turns are short; Bo's are long enough to be cut in the middle.
CONFIG = """\
title = "festival against transformers serve"
protocol = "group_chat"
rounds = 2
brief = "Plan a music festival. Answer with a long numbered list of concrete ideas."

[[agents]]
id = "ada"
nickname = "Ada"
provider = "{spec}"
params = {{ max_tokens = 12, seed = 1 }}

[[agents]]
id = "bo"
nickname = "Bo"
provider = "{spec}"
params = {{ max_tokens = 40, seed = 2 }}
"""


class StreamedOutput:
    """What a child process has printed so far, read as it streams (tokens come without newlines)."""

    def __init__(self, process: subprocess.Popen[bytes]) -> None:
        assert process.stdout is not None
        self._stdout = process.stdout
        self._chunks: list[bytes] = []
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        while chunk := os.read(self._stdout.fileno(), 4096):
            self._chunks.append(chunk)

    @property
    def text(self) -> str:
        return b"".join(self._chunks).decode("utf-8", errors="replace")

    def wait_for(self, seen: Callable[[str], bool], what: str, timeout_s: float) -> None:
        deadline = time.monotonic() + timeout_s
        while not seen(self.text):
            assert time.monotonic() < deadline, f"no {what} after {timeout_s:.0f} s; printed: {self.text!r}"
            time.sleep(0.02)


def _bo_is_speaking(printed: str) -> bool:
    """Bo's first turn has streamed some text (so Ada's first turn is over)."""
    _, header, after = printed.partition("[round 0] Bo")
    return bool(header) and bool(after.partition("\n")[2].strip())


def _wait_for_failed_turn(store: SessionStore, timeout_s: float) -> SessionDocument:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        for summary in store.list():
            document = store.load(summary.id)
            if any(turn.failed for turn in document.turns):
                return document
        time.sleep(0.1)
    raise AssertionError(f"no failed turn recorded after {timeout_s:.0f} s")


def test_a_group_chat_against_transformers_serve_survives_its_death_mid_stream_and_resumes(
    tmp_path: Path,
) -> None:
    model = smollm2_folder(tmp_path / "smollm2-135m")
    port = free_port()
    spec = f"openai-compatible:http://127.0.0.1:{port}/v1#{model}"  # a pinned server wants its path
    config = tmp_path / "festival.toml"
    config.write_text(CONFIG.format(spec=spec), encoding="utf-8")
    home = tmp_path / "home"
    store = SessionStore(home / "sessions")
    log = tmp_path / "server.log"
    env = {**os.environ, **OFFLINE_ENV, "CONVSCOPE_HOME": str(home), "PYTHONUNBUFFERED": "1"}

    with transformers_serve(model, port, log) as server:
        run = subprocess.Popen(
            [sys.executable, "-m", "convscope.cli", "run", str(config), "--headless"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
        )
        try:
            output = StreamedOutput(run)
            output.wait_for(_bo_is_speaking, "text from Bo", timeout_s=120)
            kill(server)
            cut = _wait_for_failed_turn(store, timeout_s=60)
        finally:
            run.kill()  # the run would go on failing turns against the dead server: crash it
            run.wait(timeout=30)

    # The server died mid-stream: Bo's turn failed with the connection's error; Ada's survived.
    interrupted = store.load(cut.id)
    assert interrupted.status == "interrupted"
    ada, bo = interrupted.turns[:2]
    assert not ada.failed and ada.text.strip() and ada.completion_tokens
    assert bo.failed and bo.text == "" and "onnect" in (bo.error or ""), bo.error
    assert [turn.agent_id for turn in interrupted.turns] == ["ada", "bo"][: len(interrupted.turns)]

    # The server is back (same port, same model): resume --retry-failed re-runs Bo's failed
    # turn, then finishes the session against it.
    with transformers_serve(model, port, log):
        resumed_run = convscope(
            "resume", cut.id, "--headless", "--retry-failed", home=home, env=OFFLINE_ENV, timeout=180
        )
        assert resumed_run.returncode == 0, resumed_run.stderr
    resumed = store.load(cut.id)
    assert resumed.status == "finished"
    final = latest_turns(resumed.turns)
    assert [(turn.round, turn.agent_id) for turn in final] == [(0, "ada"), (0, "bo"), (1, "ada"), (1, "bo")]
    assert not any(turn.failed for turn in final)
    assert all(turn.text.strip() and turn.completion_tokens for turn in final)
    # the failed turn stays on record, and its re-run says it is one
    assert [(turn.index, turn.failed, turn.rerun) for turn in resumed.turns if turn.index == 1] == [
        (1, True, False),
        (1, False, True),
    ]
