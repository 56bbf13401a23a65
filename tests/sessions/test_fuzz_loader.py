"""Fuzzing the session loader: every mutant of a real session folder is a session or one line.

Hundreds of mutants of two real folders (one closed, one whose writer died mid-session, so
that it has a journal tail) go through everything that reads a session without a model:
loading, the listing, the summary, every export format. None may raise anything but a
one-line CorruptSessionError naming the folder, and none may change a byte on disk.
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from convscope.core.events import SessionEnded
from convscope.core.protocols import UnknownProtocolError
from convscope.sessions.errors import CorruptSessionError
from convscope.sessions.export import export_session
from convscope.sessions.paths import JOURNAL_NAME, LOCK_NAME, SNAPSHOT_NAME
from convscope.sessions.schema import SessionSummary
from convscope.sessions.store import SessionStore
from tests.sessions.builders import conversation, file_hashes, make_config
from tests.support.mutants import mutate_bytes, mutate_json_text

MUTANTS_PER_SOURCE = 200


def _recorded(store: SessionStore, *, close: bool, copy_to: Path) -> Path:
    """A real session folder, copied to ``copy_to`` (before closing it: a crashed writer's files)."""
    writer = store.create(make_config(title="fuzzed"))
    for event in conversation(6):
        writer.on_event(event)
    if close:
        writer.on_event(SessionEnded("finished"))
        writer.close()
    shutil.copytree(
        store.root / writer.session_id, copy_to / writer.session_id, ignore=shutil.ignore_patterns(LOCK_NAME)
    )
    if not close:
        writer.close()
    return copy_to / writer.session_id


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    store = SessionStore(tmp_path_factory.mktemp("fuzz-sources-store"))
    kept = tmp_path_factory.mktemp("fuzz-sources")
    closed = _recorded(store, close=True, copy_to=kept)
    crashed = _recorded(store, close=False, copy_to=kept)
    assert (crashed / JOURNAL_NAME).stat().st_size > 0
    return {"closed": closed, "crashed": crashed}


def _mutants(source: Path, seed: int) -> Iterator[dict[str, bytes]]:
    """The source's files, each time with one file damaged in one way."""
    rng = random.Random(seed)
    originals = {name: (source / name).read_bytes() for name in (SNAPSHOT_NAME, JOURNAL_NAME)}
    for _ in range(MUTANTS_PER_SOURCE):
        files = dict(originals)
        name = rng.choice([SNAPSHOT_NAME, JOURNAL_NAME])
        data = files[name]
        if rng.random() < 0.4:
            files[name] = mutate_bytes(data, rng)
        elif name == SNAPSHOT_NAME:
            files[name] = mutate_json_text(data, rng)
        else:  # one journal record rewritten, the others kept
            lines = data.split(b"\n")
            target = rng.randrange(max(1, len(lines) - 1))
            lines[target] = mutate_json_text(lines[target], rng)
            files[name] = b"\n".join(lines)
        yield files


def _read_everything(store: SessionStore, session_id: str) -> str | None:
    """None if the session reads (and shows and exports), else its one-line reason."""
    try:
        document = store.load(session_id)
    except (CorruptSessionError, UnknownProtocolError) as error:  # the latter: readable, not buildable
        return str(error)
    SessionSummary.of(document)
    for fmt in ("json", "jsonl", "md", "csv"):
        export_session(document, fmt)
    return None


@pytest.mark.parametrize(("name", "seed"), [("closed", 11), ("crashed", 12)])
def test_every_mutant_of_a_session_folder_is_a_session_or_one_line_and_stays_byte_identical(
    sources: dict[str, Path], tmp_path: Path, name: str, seed: int
) -> None:
    source = sources[name]
    store = SessionStore(tmp_path / "sessions")
    folder = store.root / source.name
    folder.mkdir(parents=True)
    outcomes = {"read": 0, "refused": 0}
    for number, files in enumerate(_mutants(source, seed)):
        for file_name, data in files.items():
            (folder / file_name).write_bytes(data)
        before = file_hashes(folder)

        reason = _read_everything(store, source.name)
        listing = store.listing()

        case = f"{name} mutant {number} (seed {seed})"
        if reason is None:
            outcomes["read"] += 1
            assert [summary.id for summary in listing.sessions] == [source.name], case
        else:
            outcomes["refused"] += 1
            assert "\n" not in reason and reason.startswith(str(folder)), f"{case}: {reason}"
            [unreadable] = listing.unreadable
            assert unreadable.id == source.name and "\n" not in unreadable.reason, case
        assert file_hashes(folder) == before, case
    assert min(outcomes.values()) > MUTANTS_PER_SOURCE // 10, outcomes  # both paths were exercised
