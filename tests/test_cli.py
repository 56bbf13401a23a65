"""The ``convscope`` command in-process: what it refuses before it writes a session."""

from __future__ import annotations

import shlex
from pathlib import Path

import pytest

from convscope.cli import main
from convscope.core.config_files import load_config
from convscope.sessions.store import SessionStore
from tests.support.imports import imported_by

JUDGED_NETWORK = """\
title = "judged network"
protocol = "network"
rounds = 2

[options]
graph = "complete"
topic = "Bitcoin"
scorer = "judge"
judge = "openai:gpt-5-nano"

[[agents]]
id = "n0"
nickname = "Agent-01"
provider = "degroot:2"

[[agents]]
id = "n1"
nickname = "Agent-02"
provider = "degroot:2"
"""


@pytest.fixture
def judged_network(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A network of keyless DeGroot agents whose judge needs OPENAI_API_KEY, which is unset."""
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    path = tmp_path / "judged.toml"
    path.write_text(JUDGED_NETWORK, encoding="utf-8")
    return path


def assert_one_line_about_the_judge_key(stderr: str) -> None:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1, stderr
    assert lines[0].startswith("convscope: error: ") and "judge" in lines[0] and "OPENAI_API_KEY" in lines[0]


def test_run_refuses_a_network_whose_judge_has_no_key_before_writing_a_session(
    judged_network: Path, convscope_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["run", str(judged_network), "--headless"]) != 0
    assert_one_line_about_the_judge_key(capsys.readouterr().err)
    assert SessionStore().list() == []
    assert [path for path in convscope_home.rglob("*") if path.is_file()] == []


def test_resume_refuses_a_network_whose_judge_has_no_key_and_leaves_the_session_free(
    judged_network: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    store = SessionStore()
    store.create(load_config(str(judged_network))).close()
    [saved] = store.list()

    assert main(["resume", saved.id, "--headless"]) != 0
    assert_one_line_about_the_judge_key(capsys.readouterr().err)
    store.open_writer(saved.id).close()  # no writer was left holding the session's lock
    assert store.load(saved.id).turns == []


def test_run_semantic_without_the_embedding_model_says_so_in_one_line_before_writing_a_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("convscope.core.metrics.embeddings.MODEL_PACKAGE", "no_such_embedding_wheel")
    config = tmp_path / "chat.toml"
    config.write_text(
        'protocol = "group_chat"\n[[agents]]\nid = "a"\nnickname = "A"\nprovider = "scripted:echo"\n',
        encoding="utf-8",
    )
    assert main(["run", str(config), "--headless", "--semantic"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("convscope: error: the embedding model is missing")
    assert SessionStore().list() == []


def test_an_unexpected_exception_inside_a_command_shows_its_traceback_and_says_it_is_a_bug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def broken(_: SessionStore) -> None:
        raise KeyError("a1")  # a bug of ours, not the person's input

    monkeypatch.setattr(SessionStore, "listing", broken)

    assert main(["sessions"]) == 1
    stderr = capsys.readouterr().err
    assert stderr.startswith("Traceback (most recent call last):")
    assert "KeyError: 'a1'" in stderr
    assert stderr.strip().splitlines()[-1].startswith("convscope: internal error: this is a bug in convscope")


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["export", "nope"], "no session 'nope'"),  # a session that does not exist
        (["analyze", "nope", "--by", "series"], "no folder nope"),  # a folder that does not exist
        (["import", "nosuchformat", "."], "no importer 'nosuchformat'"),
    ],
)
def test_a_user_error_is_one_line_and_exit_2(
    argv: list[str], fragment: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(argv) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("convscope: error: ") and fragment in line


def test_protocol_options_that_do_not_validate_are_one_line_naming_the_option(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = tmp_path / "chat.toml"
    config.write_text(
        'protocol = "group_chat"\n[options]\nnaming = "secret"\n'
        '[[agents]]\nid = "a"\nnickname = "A"\nprovider = "scripted:echo"\n',
        encoding="utf-8",
    )

    assert main(["run", str(config), "--headless"]) == 2
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("convscope: error: options.naming: ")
    assert SessionStore().list() == []


@pytest.mark.parametrize(
    ("spec", "complaint"),
    [
        ("openai-compatible:http://127.0.0.1:notaport/v1#m", "Port could not be cast to integer"),
        ("openai-compatible:http://127.0.0.1:70000/v1#m", "Port out of range"),
        ("openai-compatible:http://127.0.0.1:0/v1#m", "port 0 is not a port"),
        ("openai-compatible:http://[::1/v1#m", "Invalid IPv6 URL"),
        ("openai-compatible:http:///v1#m", "must look like 'http://host:port/v1'"),
        ("openai-compatible:http://my host:8000/v1#m", "must look like 'http://host:port/v1'"),
        ("openai-compatible:http://127.0.0.1:8000/v1#my model", "must not contain spaces"),
        ("local:/nonexistent/model.gguf", "nor an existing .gguf file or model folder"),
        ("local:.", "expected a .gguf file or a Hugging Face model folder"),
    ],
)
def test_run_refuses_a_spec_no_turn_could_use_before_writing_a_session(
    spec: str, complaint: str, convscope_home: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    quoted = shlex.quote(spec)  # --agent reads a shell-like line: a space would start a setting
    assert main(["run", "group-chat-local", "--agent", quoted, "--headless"]) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("convscope: error: agent 'agent1': ") and complaint in line, line
    assert list(convscope_home.rglob("*")) == []


@pytest.mark.parametrize(
    ("module", "heavy"),
    [
        (
            "convscope.cli",  # every command, --help too
            (
                "scipy.optimize",
                "scipy.spatial",
                "scipy.stats",
                "networkx",
                "sklearn",
                "torch",
                "transformers",
                "pandas",
            ),
        ),
        # what the worker processes of analyze, report and compare import for a folder
        ("convscope.corpus.sessions", ("sklearn", "pandas", "networkx", "torch", "transformers")),
        ("convscope.compare.groups", ("sklearn", "pandas", "networkx", "torch", "transformers")),
        # the TUI: scipy.stats waits for its first test (a session's summary, a compare)
        (
            "convscope.tui.app",
            ("scipy.stats", "scipy.spatial", "networkx", "sklearn", "torch", "transformers"),
        ),
    ],
)
def test_a_process_starts_without_the_libraries_only_some_commands_need(
    module: str, heavy: tuple[str, ...]
) -> None:
    """A decay fit, a distance matrix, a graph, a kappa and a statistical test import their
    library when they are made, so that a command starts in 0.3 s, a folder's worker without
    0.45 s of sklearn and the TUI without a second of scipy.stats."""
    assert imported_by(f"import {module}", heavy) == []
