"""Turns of a simultaneous batch reach the journal as they finish; a loaded session lists them by index."""

from __future__ import annotations

from convscope.core.config import SessionConfig
from convscope.sessions.store import SessionStore
from tests.sessions.builders import turn_event


def test_turns_journalled_out_of_index_order_load_in_index_order(
    store: SessionStore, config: SessionConfig
) -> None:
    writer = store.create(config)
    for index in (0, 1, 3, 2):
        writer.on_event(turn_event(index))
    assert [t.index for t in store.load(writer.session_id).turns] == [0, 1, 2, 3]  # from the journal
    writer.close()
    assert [t.index for t in store.load(writer.session_id).turns] == [0, 1, 2, 3]  # from the snapshot
