"""A real Arize Phoenix server takes convscope's traces, live and from an exported file, and
gives them back through its own client: one trace per session, its turns as invoke_agent
spans with their chat spans, its interventions as events.

Phoenix is heavy, so it lives in its own virtualenv (``make test-integrations`` builds
``.venv-phoenix``); without ``CONVSCOPE_PHOENIX_VENV`` this test is skipped.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from convscope.integrations.otel.otlp_file import read_otlp_json
from convscope.integrations.otel.spans import trace_id_of
from tests.e2e.cli_support import convscope as run_cli
from tests.e2e.cli_support import write_config

PHOENIX_VENV = os.environ.get("CONVSCOPE_PHOENIX_VENV")
READ_BACK = Path(__file__).with_name("phoenix_spans.py")

pytestmark = pytest.mark.skipif(
    not PHOENIX_VENV,
    reason="set CONVSCOPE_PHOENIX_VENV to a virtualenv with arize-phoenix (make test-integrations)",
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="module")
def phoenix(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``phoenix serve`` on 127.0.0.1, its database in a temporary folder, no telemetry."""
    assert PHOENIX_VENV is not None
    work = tmp_path_factory.mktemp("phoenix")
    port = _free_port()
    env = {
        **os.environ,
        "PHOENIX_WORKING_DIR": str(work),
        "PHOENIX_HOST": "127.0.0.1",
        "PHOENIX_PORT": str(port),
        "PHOENIX_GRPC_PORT": str(_free_port()),
        "PHOENIX_TELEMETRY_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "HF_HUB_OFFLINE": "1",
    }
    log = (work / "phoenix.log").open("w")
    server = subprocess.Popen(
        [str(Path(PHOENIX_VENV) / "bin" / "phoenix"), "serve"], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 180
        while not _healthy(url):
            assert server.poll() is None, (work / "phoenix.log").read_text()
            assert time.monotonic() < deadline, "Phoenix did not start in 180 s"
            time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


def _healthy(url: str) -> bool:
    try:
        return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


def _phoenix_spans(url: str) -> list[dict[str, Any]]:
    assert PHOENIX_VENV is not None
    result = subprocess.run(
        [str(Path(PHOENIX_VENV) / "bin" / "python"), str(READ_BACK), url],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return [json.loads(line) for line in result.stdout.splitlines()]


def _session_id(stderr: str) -> str:
    return stderr.strip().splitlines()[-1].removeprefix("saved as ")


def _trace(spans: list[dict[str, Any]], session_id: str) -> list[dict[str, Any]]:
    return [span for span in spans if span["trace_id"] == f"{trace_id_of(session_id):032x}"]


def _wait_for(url: str, session_id: str, count: int) -> list[dict[str, Any]]:
    """Phoenix writes what it receives in the background: poll until the trace is whole."""
    deadline = time.monotonic() + 60
    while len(spans := _trace(_phoenix_spans(url), session_id)) < count and time.monotonic() < deadline:
        time.sleep(1)
    return spans


def _check_session_trace(spans: list[dict[str, Any]], session_id: str) -> None:
    names = sorted(span["name"] for span in spans)
    assert names.count("invoke_workflow cli test") == 1
    assert [name for name in names if name.startswith("invoke_agent ")] == sorted(
        f"invoke_agent {agent}" for agent in ("Ada", "Bo", "Cy") for _ in range(2)
    )
    assert sum(name.startswith("chat ") for name in names) == 6
    for span in spans:
        assert span["gen_ai"].get("conversation", {}).get("id") == session_id
    (root,) = [span for span in spans if span["parent_id"] is None]
    assert "convscope.round_metrics" in root["event_names"]


def test_phoenix_shows_a_session_sent_live_and_one_sent_from_its_file(
    phoenix: str, convscope_home: Path, tmp_path: Path
) -> None:
    config = str(
        write_config(
            tmp_path / "phoenix.toml",
            ("Ada", "scripted:text:We could call it Lumen."),
            ("Bo", "scripted:text:Lumen works for me."),
            ("Cy", "scripted:echo"),
        )
    )

    live = run_cli("run", config, "--headless", "--otlp-endpoint", phoenix, home=convscope_home)
    assert live.returncode == 0, live.stderr
    live_id = _session_id(live.stderr)
    _check_session_trace(_wait_for(phoenix, live_id, 13), live_id)

    offline = run_cli("run", config, "--headless", home=convscope_home)
    assert offline.returncode == 0, offline.stderr
    file_id = _session_id(offline.stderr)
    trace_file = tmp_path / "trace.json"
    exported = run_cli("export", file_id, "--format", "otlp", "-o", str(trace_file), home=convscope_home)
    assert exported.returncode == 0, exported.stderr
    request = read_otlp_json(trace_file.read_text(encoding="utf-8"))  # the file, as a collector sends it on
    response = httpx.post(
        f"{phoenix}/v1/traces",
        content=request.SerializeToString(),
        headers={"Content-Type": "application/x-protobuf"},
    )
    assert response.status_code == 200
    _check_session_trace(_wait_for(phoenix, file_id, 13), file_id)
