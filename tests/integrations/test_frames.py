"""The DataFrame API and the Parquet export: one row per turn with the name the agent had at
that turn, metric values in long format under the session's own keys, the same tables
whichever way the sessions are named."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

import convscope
from convscope.core.events import MetricsUpdated, SessionEnded
from convscope.integrations.tables import sessions_table, turns_table
from convscope.plotdata.points import recompute_points
from convscope.sessions.export import export_session, flat_values
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import import_file
from convscope.sessions.schema import BranchOrigin, SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope as run_cli
from tests.sessions.builders import conversation, make_config
from tests.support.imports import imported_by
from tests.support.warroom import transcripts


@pytest.fixture
def document() -> SessionDocument:
    """Five turns (a rename before turn 2, turn 3 failed), each with a metrics point as the
    tracker writes it, and a point for the end of round 0; saved in the default store."""
    with SessionStore().create(make_config()) as writer:
        for event in conversation(5):
            if not isinstance(event, MetricsUpdated):
                writer.on_event(event)
                continue
            index = event.turn_index
            values = {"turn.index": index, "similarity": index / 10, "per_agent": {"a": {"length": index}}}
            writer.on_event(MetricsUpdated(index, event.round, {**values, "missing": None, "who": "a"}))
            if index == 1:
                round_values = {"round": 0, "similarity": 0.25, "loop": {"on": True}}
                writer.on_event(MetricsUpdated(None, 0, round_values))
        writer.on_event(SessionEnded("finished"))
    return writer.document


def test_a_branchs_turns_name_its_parent_and_branch_turn(document: SessionDocument) -> None:
    branch = document.model_copy(
        update={"parent": BranchOrigin(session_id="20261203-000000-abcd", at_turn=3)}
    )
    frame = convscope.turns_frame(branch)
    assert set(frame.parent_session_id) == {"20261203-000000-abcd"} and set(frame.branch_turn_index) == {3}


def test_turns_frame_has_one_row_per_turn_with_the_name_the_agent_had_then(document: SessionDocument) -> None:
    frame = convscope.turns_frame(document)

    assert list(frame.turn_index) == [0, 1, 2, 3, 4]
    assert list(frame.nickname) == ["Ada", "Bo", "Ada Prime", "Bo", "Ada Prime"]
    assert list(frame.failed) == [False, False, False, True, False]
    assert frame.error.iloc[3] == "simulated transient failure" and frame.text.iloc[3] == ""
    assert list(frame.prompt_tokens) == [turn.prompt_tokens for turn in document.turns]
    assert str(frame.prompt_tokens.dtype) == "Int64"
    assert frame.started_at.iloc[1].timestamp() == document.turns[1].started_at
    assert (frame.ended_at - frame.started_at).dt.total_seconds().tolist() == [0.5] * 5
    assert frame.parent_session_id.isna().all() and frame.branch_turn_index.isna().all()
    assert set(frame.session_id) == {document.id}


def test_every_way_of_naming_sessions_gives_the_same_turns(document: SessionDocument, tmp_path: Path) -> None:
    store = SessionStore()
    exported = tmp_path / "copy.json"
    export_session(document, "json", exported)
    expected = convscope.turns_frame(document)

    for sessions in (document.id, document.id[:12], store.root / document.id, exported, [document.id]):
        assert convscope.turns_frame(sessions).equals(expected), sessions
    assert convscope.load_session(exported) == document
    assert len(convscope.turns_frame(store.root)) == len(document.turns)  # a folder of sessions
    assert len(convscope.turns_frame([document, exported])) == 2 * len(document.turns)


def test_metrics_frame_is_every_saved_value_in_long_format_under_the_sessions_own_keys(
    document: SessionDocument,
) -> None:
    frame = convscope.metrics_frame(document)

    rows = [
        (None if pd.isna(row.turn_index) else int(row.turn_index), int(row.round), row.key, float(row.value))
        for row in frame.itertuples()
    ]
    turn_rows = [
        (index, index // 2, key, float(value))
        for index in range(5)
        for key, value in (("turn.index", index), ("similarity", index / 10), ("per_agent.a.length", index))
    ]
    round_rows = [(None, 0, "round", 0.0), (None, 0, "similarity", 0.25), (None, 0, "loop.on", 1.0)]
    assert sorted(rows, key=str) == sorted(turn_rows + round_rows, key=str)  # text and missing left out


def test_sessions_frame_has_one_row_per_session_with_its_plain_provenance_values(
    document: SessionDocument,
) -> None:
    path = transcripts() / "A" / "warroom-A-run01.json"
    store = SessionStore()
    imported = store.load(import_file(importer("warroom"), path, store).session_id)

    frame = convscope.sessions_frame([document, imported]).set_index("session_id")

    assert frame.loc[document.id, ["turns", "failed_turns", "interventions"]].tolist() == [5, 1, 2]
    assert frame.loc[document.id, "status"] == "finished"
    assert pd.isna(frame.loc[document.id, "provenance.series"])  # a recorded session has no provenance
    assert frame.loc[
        imported.id, ["provenance.importer", "provenance.series", "provenance.run"]
    ].tolist() == [
        "warroom",
        "A",
        1,
    ]
    assert not any(column.startswith("provenance.condition") for column in frame.columns)  # nested: left out


def test_a_session_that_saved_no_metrics_is_measured_from_its_turns() -> None:
    path = transcripts() / "A" / "warroom-A-run01.json"
    store = SessionStore()
    document = store.load(import_file(importer("warroom"), path, store).session_id)
    assert not document.metrics

    frame = convscope.metrics_frame(document)

    points = recompute_points(document)
    assert frame.turn_index.isna().sum() > 0  # round snapshots are there
    assert set(frame.key) <= {key for point in points for key, _ in flat_values(point.values)}
    assert frame.groupby("round").size().index.tolist() == sorted({p.round for p in points})


def test_parquet_export_writes_the_turns_and_metrics_tables_of_a_folder(
    document: SessionDocument, convscope_home: Path, tmp_path: Path
) -> None:
    out = tmp_path / "tables"

    result = run_cli(
        "export", str(SessionStore().root), "--format", "parquet", "-o", str(out), home=convscope_home
    )

    assert result.returncode == 0, result.stderr
    assert pq.read_table(out / "sessions.parquet").equals(sessions_table([document]))
    assert pq.read_table(out / "turns.parquet").equals(turns_table([document]))
    metrics = pq.read_table(out / "metrics.parquet").to_pandas()
    assert metrics.equals(convscope.metrics_frame(document).astype(metrics.dtypes.to_dict()))


def test_parquet_export_without_a_folder_is_one_line_and_exit_2(
    document: SessionDocument, convscope_home: Path
) -> None:
    result = run_cli("export", document.id, "--format", "parquet", home=convscope_home)

    assert result.returncode == 2
    assert result.stderr.strip() == "convscope: error: --format parquet writes a folder: give it with -o"


def test_import_convscope_loads_neither_pandas_nor_pyarrow() -> None:
    assert imported_by("import convscope", ("pandas", "pyarrow")) == []
    assert callable(convscope.turns_frame)  # and the API is there on first use
