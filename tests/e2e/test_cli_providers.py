"""The command (in this process, for speed) against the stub server: endpoints recorded and
reused, keys named on the command line and scrubbed from everything, failed turns re-run once
the server is back."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from convscope.cli import main
from tests.e2e.cli_support import files_under, write_config
from tests.support.openai_sse_server import OpenAIStub, Reply, Status

KEY = "sk-live-3f9a1c77e2b04d5a"


@dataclass(frozen=True)
class Outcome:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def convscope(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Any:
    def run(*args: str, env: dict[str, str] | None = None) -> Outcome:
        for name, value in (env or {}).items():
            monkeypatch.setenv(name, value)
        code = main(args)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return run


def shown(convscope: Any, session_id: str) -> dict[str, Any]:
    result = convscope("sessions", "show", session_id)
    assert result.returncode == 0, result.stderr
    document: dict[str, Any] = json.loads(result.stdout)
    return document


def saved_id(stderr: str) -> str:
    return stderr.strip().splitlines()[-1].removeprefix("saved as ")


def test_an_agent_option_names_its_key_variable_and_the_key_reaches_the_server(
    convscope: Any, openai_stub: OpenAIStub
) -> None:
    agent = f"openai-compatible:{openai_stub.base_url}#smol key_env=LITELLM_KEY temperature=0.3"
    result = convscope(
        "run", "group-chat-local", "--headless", "--rounds", "1", "--agent", agent,
        env={"LITELLM_KEY": KEY},
    )  # fmt: skip

    assert result.returncode == 0, result.stderr
    [request] = openai_stub.requests
    assert request.headers["authorization"] == f"Bearer {KEY}"
    assert request.body["temperature"] == 0.3
    config = shown(convscope, saved_id(result.stderr))["config"]
    assert config["agents"][0]["key_env"] == "LITELLM_KEY"


def test_a_bad_agent_option_is_one_line_and_exit_2(convscope: Any) -> None:
    result = convscope("run", "group-chat-local", "--agent", "scripted:echo colour=blue")

    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "unknown setting 'colour'" in result.stderr


def test_a_failed_turn_is_rerun_at_the_recorded_endpoint_whatever_the_sdk_variable_says(
    convscope: Any, tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    config = write_config(tmp_path / "s.toml", ("Router", "openai:smol"), ("Echo", "scripted:echo"), rounds=1)
    config.write_text(
        config.read_text().replace(
            'provider = "openai:smol"\n', f'provider = "openai:smol"\nbase_url = "{openai_stub.base_url}"\n'
        )
    )
    openai_stub.script(Status(404, "The model `smol` does not exist"), Reply("back online"))
    env = {"OPENAI_API_KEY": KEY}
    first = convscope("run", str(config), "--headless", env=env)
    assert first.returncode == 0, first.stderr
    session_id = saved_id(first.stderr)
    agents = shown(convscope, session_id)["config"]["agents"]
    assert agents[0]["base_url"] == openai_stub.base_url

    with OpenAIStub() as decoy:
        env["OPENAI_BASE_URL"] = decoy.base_url
        plain = convscope("resume", session_id, "--headless", env=env)
        rerun = convscope("resume", session_id, "--headless", "--retry-failed", env=env)
        assert decoy.requests == []

    assert plain.returncode == rerun.returncode == 0, rerun.stderr
    assert len(openai_stub.requests) == 2  # a plain resume of a finished session runs nothing
    turns = shown(convscope, session_id)["turns"]
    assert [(t["index"], t["agent_id"], t["rerun"], t["error"] is None) for t in turns] == [
        (0, "a0", False, False),
        (0, "a0", True, True),
        (1, "a1", False, True),
    ]
    assert turns[1]["text"] == "back online"
    # The re-run answered the conversation as it stood before the failed turn: the brief alone.
    assert openai_stub.requests[1].body["messages"][-1]["content"] == "Plan a festival."


def test_a_key_quoted_back_by_the_server_reaches_no_file_no_output_and_no_export(
    convscope: Any, convscope_home: Path, tmp_path: Path, openai_stub: OpenAIStub
) -> None:
    agent = f"openai-compatible:{openai_stub.base_url}#smol key_env=LITELLM_KEY"
    openai_stub.script(Status(401, f"Incorrect API key provided: {KEY}. You can find your key at ..."))
    run = convscope(
        "run", "group-chat-local", "--headless", "--rounds", "1", "--agent", agent,
        env={"LITELLM_KEY": KEY},
    )  # fmt: skip
    session_id = saved_id(run.stderr)
    exports = tmp_path / "exports"
    exports.mkdir()
    outputs = [run.stdout + run.stderr]
    for fmt in ("json", "jsonl", "md", "csv"):
        exported = convscope("export", session_id, "--format", fmt, "-o", str(exports / f"s.{fmt}"))
        outputs.append(exported.stdout + exported.stderr)
    show = convscope("sessions", "show", session_id)
    outputs.append(show.stdout)

    written = files_under(convscope_home) + files_under(exports)
    assert len(written) >= 3 + 4
    for path in written:
        assert KEY.encode() not in path.read_bytes(), path
    for output in outputs:
        assert KEY not in output
    assert "Incorrect API key provided: [redacted LITELLM_KEY]" in show.stdout
