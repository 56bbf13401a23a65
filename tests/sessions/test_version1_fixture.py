"""A session folder written by the release before schema version 2 still loads, replays,
exports, analyses and resumes, and reading it changes no byte of it.

The folder (``fixtures/v1``, see its README) holds every control kind of version 1, and a
journal tail after its last snapshot (a crash after a resume), so the upgrade runs over
snapshot and journal records alike.
"""

from __future__ import annotations

import io
import json
import shutil
from pathlib import Path
from typing import Any, get_args

import pytest

from convscope.core.controls import Roster
from convscope.headless.runner import run_headless
from convscope.plotdata import recompute_points
from convscope.sessions.export import ExportFormat, export_session
from convscope.sessions.schema import SCHEMA_VERSION, SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.sessions.builders import V1_SESSION_ID, V1_STORE, file_hashes

FOLDER = V1_STORE / V1_SESSION_ID

# Each record's typed payload, as version 1 kept it in ``value`` / ``previous`` strings.
CONTROLS: list[tuple[str, int, dict[str, Any]]] = [
    ("renamed", 1, {"agent_id": "b", "name": "Zed", "previous": "Agent-B"}),
    ("thresholds_changed", 2, {"thresholds": {"bleu": 0.3, "jaccard": 0.2}}),
    ("failure_injected", 4, {"agent_id": "c", "mode": "decommissioned", "previous": None}),
    ("paused", 5, {}),
    ("resumed", 5, {}),
    ("failure_cleared", 6, {"agent_id": "c", "previous": "decommissioned"}),
    ("stepped", 7, {}),
    ("paused", 8, {}),
    ("resumed", 8, {}),
    ("stopped", 9, {"reason": None}),
    ("renamed", 10, {"agent_id": "a", "name": "Ada", "previous": "Agent-A"}),  # journal tail
    ("thresholds_changed", 10, {"thresholds": {"bleu": 0.4}}),  # journal tail
]


@pytest.fixture(scope="module")
def document() -> SessionDocument:
    before = file_hashes(FOLDER)
    loaded = SessionStore(V1_STORE).load(V1_SESSION_ID)
    assert file_hashes(FOLDER) == before
    return loaded


def test_the_version_1_folder_is_still_version_1_on_disk() -> None:
    snapshot = json.loads((FOLDER / "snapshot.json").read_bytes())
    assert snapshot["document"]["schema_version"] == 1
    assert len(snapshot["document"]["controls"]) == len(CONTROLS) - 2  # the last two are in the journal only
    assert SCHEMA_VERSION > 1


def test_it_loads_with_every_control_record_typed_and_changes_nothing_on_disk(
    document: SessionDocument,
) -> None:
    before = file_hashes(FOLDER)

    listed = SessionStore(V1_STORE).list()

    assert file_hashes(FOLDER) == before
    assert document.schema_version == SCHEMA_VERSION
    assert (document.status, len(document.turns), document.turns[5].failed) == ("interrupted", 12, True)
    typed = [
        (
            record.kind,
            record.turn_index,
            record.model_dump(exclude={"kind", "turn_index", "at", "intervention"}),
        )
        for record in document.controls
    ]
    assert typed == CONTROLS
    [summary] = listed
    assert summary.agents == ["Ada", "Zed", "Agent-C"]


def test_its_roster_is_folded_as_it_was_live(document: SessionDocument) -> None:
    roster = Roster.fold(document.config, document.controls)

    assert roster == Roster(
        names={"a": "Ada", "b": "Zed", "c": "Agent-C"},
        failures={"a": None, "b": None, "c": None},
        thresholds={"bleu": 0.4, "jaccard": 0.2},
        paused=False,
    )
    during_failure = Roster.fold(document.config, document.controls, until_turn=5)
    assert during_failure.failures["c"] == "decommissioned" and not during_failure.paused
    assert [turn.nickname for turn in document.turns[9:]] == ["Agent-A", "Zed", "Agent-C"]  # Ada from turn 12


def test_it_replays_with_the_recorded_threshold_changes(document: SessionDocument) -> None:
    points = recompute_points(document)

    bleu_by_turn = {
        p.turn_index: p.values["loop.thresholds.bleu"] for p in points if p.turn_index is not None
    }
    assert bleu_by_turn == {0: 0.5, 1: 0.5, **dict.fromkeys(range(2, 10), 0.3), 10: 0.4, 11: 0.4}
    saved = {point.turn_index: point.values for point in document.metrics if "turn.index" in point.values}
    # every measure version 1 saved agrees; later versions add measures (tokens) it had not
    recomputed = {
        p.turn_index: {key: p.values[key] for key in saved[p.turn_index]}
        for p in points
        if p.turn_index in saved
    }
    assert recomputed == saved


@pytest.mark.parametrize("fmt", get_args(ExportFormat))
def test_it_exports_to_every_format(document: SessionDocument, fmt: ExportFormat, tmp_path: Path) -> None:
    out = tmp_path / f"session.{fmt}"

    export_session(document, fmt, out)

    text = out.read_text(encoding="utf-8")
    if fmt == "json":
        assert SessionStore(tmp_path).load(out) == document
    elif fmt == "md":
        assert "_⚙ Agent-B renamed to Zed_" in text
        assert "_⚙ failure injected into Agent-C: decommissioned_" in text
        assert "_⚙ loop thresholds set to bleu 0.3, jaccard 0.2_" in text
    elif fmt == "jsonl":
        assert [json.loads(line).get("nickname") for line in text.splitlines()[10:]] == [
            "Agent-A",
            "Zed",
            "Agent-C",
        ]
    else:
        assert text.startswith("turn_index,round,") and len(text.splitlines()) == 1 + len(document.metrics)


def test_the_command_line_analyses_it(tmp_path: Path) -> None:
    before = file_hashes(FOLDER)

    analyzed = convscope("analyze", str(FOLDER), "--json", home=tmp_path)

    assert analyzed.returncode == 0, analyzed.stderr
    summary = json.loads(analyzed.stdout)
    assert (summary["id"], summary["session"]["turns"]) == (V1_SESSION_ID, 12)
    assert file_hashes(FOLDER) == before


async def test_a_copy_resumes_where_it_crashed_with_its_names(tmp_path: Path) -> None:
    shutil.copytree(FOLDER, tmp_path / V1_SESSION_ID)
    store = SessionStore(tmp_path)

    await run_headless(
        store.load(V1_SESSION_ID).config, store=store, resume_id=V1_SESSION_ID, file=io.StringIO()
    )

    resumed = store.load(V1_SESSION_ID)
    assert [turn.nickname for turn in resumed.turns[12:]] == ["Ada", "Zed", "Agent-C"]
    assert resumed.controls[: len(CONTROLS)] == SessionStore(V1_STORE).load(V1_SESSION_ID).controls
