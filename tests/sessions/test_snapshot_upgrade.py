"""Version 1 told a round's metrics snapshot from a turn's by its values only (no
``turn.index``) and stored the round's last turn index in ``turn_index``; read now, a round's
snapshot has ``turn_index`` None and a turn's keeps its index."""

from __future__ import annotations

import json
from pathlib import Path

from convscope.sessions.store import SessionStore
from tests.sessions.builders import make_config, make_turn


def test_a_version_1_file_reads_its_round_snapshots_as_rounds(tmp_path: Path) -> None:
    turn = {"turn.index": 1, "turn.round": 0, "turn.agent_id": "a", "rouge1": None}
    round_ = {"round": 0, "rouge1": 0.25}
    raw = {
        "schema_version": 1,
        "id": "20261123-142501-ab12",
        "created_at": 1.0,
        "updated_at": 2.0,
        "status": "finished",
        "config": make_config().model_dump(mode="json"),
        "turns": [make_turn(0).model_dump(mode="json"), make_turn(1).model_dump(mode="json")],
        "controls": [],
        "metrics": [
            {"turn_index": 1, "round": 0, "values": turn},
            {"turn_index": 1, "round": 0, "values": round_},  # version 1: the last turn's index
        ],
    }
    path = tmp_path / "v1.json"
    path.write_text(json.dumps(raw), encoding="utf-8")

    document = SessionStore(tmp_path / "store").load(path)

    assert [(p.turn_index, p.round, p.values) for p in document.metrics] == [(1, 0, turn), (None, 0, round_)]
    assert [p.is_round for p in document.metrics] == [False, True]
