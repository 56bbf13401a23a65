"""One unreadable session costs that session only: listed with its reason, refused in one line, untouched."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convscope.cli import main
from convscope.core.events import SessionEnded
from convscope.sessions.paths import JOURNAL_NAME, SNAPSHOT_NAME
from convscope.sessions.store import SessionStore
from tests.sessions.builders import conversation, file_hashes, make_config, make_turn

_DEEP = "[" * 5000 + "]" * 5000

# The hostile files of issue 11, each as (file, what to do to it).
DAMAGES: dict[str, tuple[str, str | tuple[str, str]]] = {
    "snapshot nested 5,000 deep": (SNAPSHOT_NAME, ("provenance", _DEEP)),
    "journal record nested 5,000 deep": (
        JOURNAL_NAME,
        f'{{"seq":99,"at":1.0,"kind":"metrics","data":{{"values":{_DEEP}}}}}',
    ),
    "journal kind is an object": (
        JOURNAL_NAME,
        f'{{"seq":99,"at":1.0,"kind":{{"a":1}},"data":{make_turn(4).model_dump_json()}}}',
    ),
    "created_at = -1e18": (SNAPSHOT_NAME, ("created_at", "-1e18")),
    "an integer of 4,301 digits": (SNAPSHOT_NAME, ("provenance", "7" * 4301)),
    # well-formed, but no protocol this convscope knows: replay crashed on it in the TUI
    "an unknown protocol": (
        SNAPSHOT_NAME,
        ("config", json.dumps({**make_config().model_dump(mode="json"), "protocol": "nonsense"})),
    ),
}


def _damage(folder: Path, file: str, change: str | tuple[str, str]) -> None:
    if isinstance(change, str):  # a line appended to the journal, after the snapshot's part
        with (folder / file).open("a", encoding="utf-8") as journal:
            journal.write(change + "\n")
        return
    field, raw_json = change
    envelope = json.loads((folder / file).read_bytes())
    envelope["document"][field] = "PLACEHOLDER"
    (folder / file).write_text(json.dumps(envelope).replace('"PLACEHOLDER"', raw_json), encoding="utf-8")


@pytest.fixture(scope="module")
def damaged_home(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, str]]:
    """A home with one healthy session and one session per damage (damage name -> session id).

    Shared by the module's tests: each of them checks that it leaves every file as it was.
    """
    home = tmp_path_factory.mktemp("damaged-home")
    store = SessionStore(home / "sessions")
    ids: list[str] = []
    for title in ["healthy", *DAMAGES]:
        with store.create(make_config(title=title)) as writer:
            for event in conversation(2):
                writer.on_event(event)
            writer.on_event(SessionEnded("finished"))
        ids.append(writer.session_id)
    healthy, *damaged = ids
    for (file, change), session_id in zip(DAMAGES.values(), damaged, strict=True):
        _damage(store.root / session_id, file, change)
    return home, healthy, dict(zip(DAMAGES, damaged, strict=True))


@pytest.fixture
def store_with_damage(
    damaged_home: tuple[Path, str, dict[str, str]], monkeypatch: pytest.MonkeyPatch
) -> tuple[SessionStore, str, dict[str, str]]:
    home, healthy, damaged = damaged_home
    monkeypatch.setenv("CONVSCOPE_HOME", str(home))
    return SessionStore(), healthy, damaged


def test_sessions_list_shows_the_healthy_session_and_marks_each_damaged_one(
    store_with_damage: tuple[SessionStore, str, dict[str, str]], capsys: pytest.CaptureFixture[str]
) -> None:
    store, healthy, damaged = store_with_damage
    before = file_hashes(store.root)

    assert main(["sessions", "list"]) == 0

    out = capsys.readouterr().out
    [healthy_line] = [line for line in out.splitlines() if healthy in line]
    assert "finished" in healthy_line
    for session_id in damaged.values():
        [line] = [line for line in out.splitlines() if session_id in line]
        assert line.startswith(f"{session_id}  unreadable: "), line
    assert file_hashes(store.root) == before


COMMANDS = {
    "show": "sessions show {id}",
    "export": "export {id} --format md",
    "analyze": "analyze {id}",
    "replay": "replay {id}",
    "resume": "resume {id} --headless",
    "fork": "fork {id} --at 1 --headless",
    "compare": "compare {id} {id}",
}


@pytest.mark.parametrize("damage", list(DAMAGES))
@pytest.mark.parametrize("command", list(COMMANDS))
def test_every_command_on_a_damaged_session_says_why_in_one_line_and_exits_2(
    store_with_damage: tuple[SessionStore, str, dict[str, str]],
    capsys: pytest.CaptureFixture[str],
    damage: str,
    command: str,
) -> None:
    store, _, damaged = store_with_damage
    session_id = damaged[damage]
    before = file_hashes(store.root)

    assert main(COMMANDS[command].format(id=session_id).split()) == 2

    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(f"convscope: error: {store.root / session_id}")
    assert file_hashes(store.root) == before
