"""Finding, listing and deleting sessions; where they live."""

from __future__ import annotations

import re
from pathlib import Path

import platformdirs
import pytest

from convscope.core.config import SessionConfig
from convscope.core.environment import data_home
from convscope.core.events import SessionEnded
from convscope.sessions import paths
from convscope.sessions.errors import CorruptSessionError, SessionNotFoundError
from convscope.sessions.paths import SNAPSHOT_NAME
from convscope.sessions.store import SessionStore, UnreadableSession
from tests.sessions.builders import conversation, make_config


def _finished(store: SessionStore, config: SessionConfig, turns: int = 2) -> str:
    with store.create(config) as writer:
        for event in conversation(turns):
            writer.on_event(event)
        writer.on_event(SessionEnded("finished"))
    return writer.session_id


def test_sessions_live_under_convscope_home(convscope_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert data_home() == convscope_home
    assert paths.sessions_dir() == convscope_home / "sessions"
    assert SessionStore().root == convscope_home / "sessions"

    monkeypatch.delenv("CONVSCOPE_HOME")
    assert data_home() == Path(platformdirs.user_data_dir("convscope", appauthor=False))


def test_a_session_id_is_a_sortable_timestamp_with_a_random_suffix(
    store: SessionStore, config: SessionConfig
) -> None:
    ids = [_finished(store, config, turns=0) for _ in range(3)]

    assert all(re.fullmatch(r"\d{8}-\d{6}-[0-9a-f]{4}", session_id) for session_id in ids)
    assert len(set(ids)) == 3
    assert all((store.root / session_id / SNAPSHOT_NAME).is_file() for session_id in ids)


def test_list_shows_summaries_newest_first(store: SessionStore, config: SessionConfig) -> None:
    older = _finished(store, make_config(title="older"), turns=1)
    newer = _finished(store, config, turns=5)

    summaries = store.list()

    assert [summary.id for summary in summaries] == [newer, older]
    latest = summaries[0]
    assert (latest.title, latest.protocol, latest.turns, latest.status) == (
        "a test session",
        "group_chat",
        5,
        "finished",
    )
    assert latest.agents == ["Ada Prime", "Bo"]  # names as they ended up, after the rename
    assert latest.created_at <= latest.updated_at


def test_listing_marks_each_unreadable_folder_with_its_reason_beside_the_healthy_sessions(
    store: SessionStore, config: SessionConfig
) -> None:
    good = _finished(store, config)
    bad = _finished(store, config)
    (store.root / bad / SNAPSHOT_NAME).write_text("{")
    (store.root / "not-a-session").mkdir()
    (store.root / "stray-file.txt").write_text("hello")

    listing = store.listing()

    assert [summary.id for summary in listing.sessions] == [good]
    assert store.list() == listing.sessions
    assert listing.unreadable == [
        UnreadableSession(
            bad, "snapshot.json: not valid JSON (Expecting property name enclosed in double quotes at line 1)"
        ),
        UnreadableSession("not-a-session", "not a session folder (no snapshot.json)"),
    ]


def test_the_listing_marks_a_session_of_a_protocol_this_convscope_does_not_know(
    store: SessionStore, config: SessionConfig
) -> None:
    good = _finished(store, config)
    newer = _finished(store, config.model_copy(update={"protocol": "debate"}))  # e.g. from a newer convscope

    listing = store.listing()

    assert [summary.id for summary in listing.sessions] == [good]
    [unreadable] = listing.unreadable
    assert unreadable.id == newer and "unknown protocol 'debate'" in unreadable.reason


def test_list_of_an_empty_or_missing_store_is_empty(tmp_path: Path) -> None:
    assert SessionStore(tmp_path / "nowhere").list() == []


def test_load_accepts_an_id_a_unique_prefix_a_folder_or_a_json_file(
    store: SessionStore, config: SessionConfig
) -> None:
    session_id = _finished(store, config)
    document = store.load(session_id)

    assert store.load(session_id[:-2]) == document
    assert store.load(store.root / session_id) == document
    assert store.load(str(store.root / session_id)) == document


def test_an_ambiguous_prefix_names_the_candidates(store: SessionStore, config: SessionConfig) -> None:
    first, second = _finished(store, config), _finished(store, config)

    with pytest.raises(SessionNotFoundError, match="ambiguous") as raised:
        store.load(first[:4])
    assert first in str(raised.value) and second in str(raised.value)


def test_an_unknown_session_is_not_found(store: SessionStore, tmp_path: Path) -> None:
    with pytest.raises(SessionNotFoundError, match="nothing-here"):
        store.load("nothing-here")
    with pytest.raises(SessionNotFoundError):
        store.load(tmp_path / "missing.json")
    with pytest.raises(SessionNotFoundError):
        store.open_writer("nothing-here")


def test_a_file_that_is_not_a_session_is_refused_unchanged(store: SessionStore, tmp_path: Path) -> None:
    stranger = tmp_path / "settings.json"
    stranger.write_text('{"theme": "dark"}')
    folder = tmp_path / "photos"
    folder.mkdir()

    with pytest.raises(CorruptSessionError, match=r"settings\.json: no schema_version"):
        store.load(stranger)
    with pytest.raises(CorruptSessionError, match="photos: not a session folder"):
        store.load(folder)
    assert stranger.read_text() == '{"theme": "dark"}'


def test_delete_removes_the_session(store: SessionStore, config: SessionConfig) -> None:
    kept, deleted = _finished(store, config), _finished(store, config)

    store.delete(deleted)

    assert not (store.root / deleted).exists()
    assert [summary.id for summary in store.list()] == [kept]
    with pytest.raises(SessionNotFoundError):
        store.load(deleted)
    with pytest.raises(SessionNotFoundError):
        store.delete(deleted)


def test_save_document_writes_a_complete_session_once(store: SessionStore, config: SessionConfig) -> None:
    document = store.load(_finished(store, config)).model_copy(
        update={"id": "warroom-001", "provenance": {"file": "x"}}
    )

    folder = store.save_document(document)

    assert folder == store.root / "warroom-001"
    assert store.load("warroom-001") == document
    with pytest.raises(FileExistsError):
        store.save_document(document)


def test_a_folder_renamed_by_hand_is_refused(store: SessionStore, config: SessionConfig) -> None:
    session_id = _finished(store, config)
    (store.root / session_id).rename(store.root / "renamed")

    with pytest.raises(CorruptSessionError, match=f"holds session {session_id}, not renamed"):
        store.load("renamed")
