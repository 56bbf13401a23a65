"""What survives a crash, and what a damaged session does: tolerated or refused, never altered."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from convscope.core.events import SessionEnded, TurnCompleted, TurnFailed
from convscope.core.records import Turn
from convscope.sessions.errors import CorruptSessionError, SessionLockedError
from convscope.sessions.paths import JOURNAL_NAME, SNAPSHOT_NAME
from convscope.sessions.schema import SCHEMA_VERSION
from convscope.sessions.store import SessionStore
from tests.sessions.builders import conversation, file_hashes, make_turn, turn_event

REPO = Path(__file__).resolve().parents[2]
CHILD = Path(__file__).with_name("writer_process.py")


def _start_writer_process(home: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(CHILD), *args],
        cwd=REPO,
        env={**os.environ, "PYTHONPATH": str(REPO), "CONVSCOPE_HOME": str(home)},
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )


def _turns_of_conversation(count: int) -> list[Turn]:
    return [event.turn for event in conversation(count) if isinstance(event, TurnCompleted | TurnFailed)]


@pytest.fixture(scope="module")
def crashed_session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A session whose writer process recorded 4 turns and died without closing it."""
    home = tmp_path_factory.mktemp("crashed-home")
    child = _start_writer_process(home, "hold", "4")
    assert child.stdout is not None and child.stdin is not None
    session_id = child.stdout.readline().strip()
    assert [child.stdout.readline().strip() for _ in range(4)] == [f"turn {i}" for i in range(4)]
    child.stdin.close()
    assert child.wait() == 0
    yield home / "sessions" / session_id


@pytest.fixture
def crashed(crashed_session: Path, store: SessionStore) -> Path:
    """A copy of the crashed session in this test's own store."""
    return Path(shutil.copytree(crashed_session, store.root / crashed_session.name))


def test_a_writer_killed_with_sigkill_loses_no_completed_turn(store: SessionStore) -> None:
    child = _start_writer_process(store.root.parent, "forever")
    assert child.stdout is not None
    session_id = child.stdout.readline().strip()
    reported = [child.stdout.readline().strip() for _ in range(25)]
    os.kill(child.pid, signal.SIGKILL)
    child.wait()

    assert reported == [f"turn {index}" for index in range(25)]
    loaded = store.load(session_id)
    assert loaded.status == "interrupted"
    assert len(loaded.turns) >= 25
    assert loaded.turns == _turns_of_conversation(len(loaded.turns))


def test_a_live_writer_in_another_process_keeps_its_session_running_and_locked(store: SessionStore) -> None:
    child = _start_writer_process(store.root.parent, "hold", "3")
    assert child.stdout is not None and child.stdin is not None
    session_id = child.stdout.readline().strip()
    for _ in range(3):
        child.stdout.readline()

    assert store.load(session_id).status == "running"
    assert [summary.status for summary in store.list()] == ["running"]
    with pytest.raises(SessionLockedError, match=str(child.pid)):
        store.open_writer(session_id)
    with pytest.raises(SessionLockedError):
        store.delete(session_id)

    child.stdin.close()
    assert child.wait() == 0
    loaded = store.load(session_id)
    assert loaded.status == "interrupted"
    assert loaded.turns == _turns_of_conversation(3)


def test_a_crashed_session_is_read_from_its_journal_and_resumes_after_its_last_turn(
    crashed: Path, store: SessionStore
) -> None:
    loaded = store.load(crashed.name)
    assert loaded.status == "interrupted"
    assert loaded.turns == _turns_of_conversation(4)
    assert [record.kind for record in loaded.controls] == ["renamed", "failure_injected"]
    assert len(loaded.metrics) == 4

    with store.open_writer(crashed.name) as writer:
        for event in conversation(2, start=4):
            writer.on_event(event)
        writer.on_event(SessionEnded("finished"))
    resumed = store.load(crashed.name)
    assert resumed.turns == _turns_of_conversation(6)
    assert resumed.status == "finished"


@pytest.mark.parametrize("keep", [1, 40, -1], ids=["one-byte", "half-line", "all-but-newline"])
def test_a_torn_last_journal_line_is_ignored_and_cut_off_on_resume(
    crashed: Path, store: SessionStore, keep: int
) -> None:
    journal = crashed / JOURNAL_NAME
    torn_line = b'{"seq":99,"at":1.0,"kind":"turn","data":' + make_turn(4).model_dump_json().encode() + b"}"
    with journal.open("ab") as file:
        file.write(torn_line[:keep])
    hashes = file_hashes(crashed)

    loaded = store.load(crashed.name)

    assert [turn.index for turn in loaded.turns] == [0, 1, 2, 3]
    assert file_hashes(crashed) == hashes
    with store.open_writer(crashed.name) as writer:
        writer.on_event(turn_event(4))
    assert [turn.index for turn in store.load(crashed.name).turns] == [0, 1, 2, 3, 4]
    assert all(json.loads(line) for line in journal.read_bytes().splitlines())


def _bad_json_in_the_middle(folder: Path) -> None:
    journal = folder / JOURNAL_NAME
    lines = journal.read_bytes().split(b"\n")
    lines[1] = lines[1][: len(lines[1]) // 2]
    journal.write_bytes(b"\n".join(lines))


def _bad_json_on_the_last_complete_line(folder: Path) -> None:
    with (folder / JOURNAL_NAME).open("ab") as file:
        file.write(b'{"seq": 100, "at": \n')


def _repeated_journal_line(folder: Path) -> None:
    journal = folder / JOURNAL_NAME
    first = journal.read_bytes().split(b"\n")[0]
    with journal.open("ab") as file:
        file.write(first + b"\n")


def _truncated_snapshot(folder: Path) -> None:
    snapshot = folder / SNAPSHOT_NAME
    snapshot.write_bytes(snapshot.read_bytes()[:-30])


def _snapshot_without_agents(folder: Path) -> None:
    snapshot = folder / SNAPSHOT_NAME
    envelope = json.loads(snapshot.read_bytes())
    del envelope["document"]["config"]["agents"]
    snapshot.write_text(json.dumps(envelope))


def _snapshot_version(version: int) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        snapshot = folder / SNAPSHOT_NAME
        envelope = json.loads(snapshot.read_bytes())
        envelope["document"]["schema_version"] = version
        snapshot.write_text(json.dumps(envelope))

    return corrupt


def _snapshot_that_is_not_a_snapshot(folder: Path) -> None:
    (folder / SNAPSHOT_NAME).write_text('{"hello": "world"}')


def _binary_snapshot(folder: Path) -> None:
    (folder / SNAPSHOT_NAME).write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(128, 256)))


def _no_snapshot(folder: Path) -> None:
    (folder / SNAPSHOT_NAME).unlink()


def _journal_shorter_than_the_snapshot_says(folder: Path) -> None:
    with SessionStore(folder.parent).open_writer(folder.name):
        pass  # closing writes a snapshot that covers the whole journal
    journal = folder / JOURNAL_NAME
    journal.write_bytes(journal.read_bytes()[:10])


def _snapshot_field(field: str, raw_json: str) -> Callable[[Path], None]:
    """The snapshot's document with ``field`` set to ``raw_json``, written as it is."""

    def corrupt(folder: Path) -> None:
        snapshot = folder / SNAPSHOT_NAME
        envelope = json.loads(snapshot.read_bytes())
        envelope["document"][field] = "PLACEHOLDER"
        snapshot.write_text(json.dumps(envelope).replace('"PLACEHOLDER"', raw_json))

    return corrupt


def _appended_journal_line(line: str) -> Callable[[Path], None]:
    def corrupt(folder: Path) -> None:
        with (folder / JOURNAL_NAME).open("a", encoding="utf-8") as file:
            file.write(line + "\n")

    return corrupt


_DEEP = "[" * 5000 + "]" * 5000
_TURN = make_turn(4).model_dump_json()

CORRUPTIONS: dict[str, tuple[Callable[[Path], None], str]] = {
    "bad JSON in the middle of the journal": (
        _bad_json_in_the_middle,
        "journal.jsonl: line 2: not valid JSON",
    ),
    "bad JSON on a complete last line": (_bad_json_on_the_last_complete_line, "not valid JSON"),
    "a repeated journal line": (_repeated_journal_line, "does not follow"),
    "a truncated snapshot": (_truncated_snapshot, "snapshot.json: not valid JSON"),
    "a snapshot with an invalid document": (_snapshot_without_agents, "config.agents: Field required"),
    "a newer schema version": (
        _snapshot_version(SCHEMA_VERSION + 1),
        f"schema_version {SCHEMA_VERSION + 1} is newer",
    ),
    "a v0 document": (_snapshot_version(0), "schema_version 0 is too old"),
    "a snapshot that is not a snapshot": (
        _snapshot_that_is_not_a_snapshot,
        "not a convscope session snapshot",
    ),
    "a binary snapshot": (_binary_snapshot, "snapshot.json: not UTF-8"),
    "no snapshot": (_no_snapshot, "not a session folder"),
    "a journal shorter than the snapshot says": (_journal_shorter_than_the_snapshot_says, "shorter than"),
    "a snapshot nested 5,000 deep": (_snapshot_field("provenance", _DEEP), "snapshot.json: nested deeper"),
    "a journal record nested 5,000 deep": (
        _appended_journal_line(f'{{"seq":99,"at":1.0,"kind":"metrics","data":{{"v":{_DEEP}}}}}'),
        "journal.jsonl: line 11: nested deeper",
    ),
    "a snapshot nested 100 deep": (_snapshot_field("provenance", "[" * 100 + "]" * 100), "nested deeper"),
    "a journal record whose kind is an object": (
        _appended_journal_line(f'{{"seq":99,"at":1.0,"kind":{{"turn":1}},"data":{_TURN}}}'),
        "line 11: not a journal record",
    ),
    "a journal record whose kind is a list": (
        _appended_journal_line(f'{{"seq":99,"at":1.0,"kind":["turn"],"data":{_TURN}}}'),
        "line 11: not a journal record",
    ),
    "created_at = -1e18": (_snapshot_field("created_at", "-1e18"), "created_at: Input should be greater"),
    "created_at = NaN": (_snapshot_field("created_at", "NaN"), "NaN is not a JSON number"),
    "updated_at in the year 10,000 (from the journal)": (
        _appended_journal_line(f'{{"seq":99,"at":253402300800,"kind":"turn","data":{_TURN}}}'),
        "updated_at: Input should be less than",
    ),
    "an integer of 4,301 digits": (_snapshot_field("created_at", "9" * 4301), "4300 digits"),
    "an integer of 4,300 digits": (_snapshot_field("provenance", "9" * 4300), "an integer outside 64 bits"),
    "1e999 (infinity)": (_snapshot_field("provenance", "1e999"), "a number that is not finite (inf)"),
    "a lone surrogate in a string": (_snapshot_field("provenance", '"\\udc80"'), "lone surrogate"),
}


@pytest.mark.parametrize("name", list(CORRUPTIONS))
def test_a_damaged_session_raises_a_one_line_error_and_is_left_byte_identical(
    crashed: Path, store: SessionStore, name: str
) -> None:
    corrupt, expected = CORRUPTIONS[name]
    corrupt(crashed)
    hashes = file_hashes(crashed)

    with pytest.raises(CorruptSessionError) as raised:
        store.load(crashed.name)
    with pytest.raises(CorruptSessionError):
        store.open_writer(crashed.name)
    assert store.list() == []

    message = str(raised.value)
    assert expected in message
    assert str(crashed) in message
    assert "\n" not in message
    assert file_hashes(crashed) == hashes
