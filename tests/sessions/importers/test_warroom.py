"""The War Room importer against the real 208 transcripts, and against doctored copies."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from convscope.core.protocols.group_chat import GroupChatOptions
from convscope.core.records import Stopped
from convscope.sessions.export import export_session
from convscope.sessions.importers import importer
from convscope.sessions.importers.folder import FolderImport, import_file, import_folder
from convscope.sessions.importers.warroom import WarRoomImporter
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope
from tests.support.warroom import SERIES, transcripts


@pytest.fixture(scope="module")
def imported(tmp_path_factory: pytest.TempPathFactory) -> tuple[SessionStore, FolderImport]:
    store = SessionStore(tmp_path_factory.mktemp("warroom-store"))
    return store, import_folder(importer("warroom"), transcripts(), store)


def _run(name: str) -> Path:
    series = name.split("-")[1]
    return transcripts() / series / f"{name}.json"


def test_all_208_transcripts_import_with_a_count_per_series_that_matches_the_files(
    imported: tuple[SessionStore, FolderImport],
) -> None:
    store, outcome = imported
    files = Counter(path.parent.name for path in transcripts().rglob("*.json"))
    assert outcome.skipped == []
    assert outcome.counts() == dict(files)
    assert tuple(outcome.counts()) == SERIES
    assert sum(outcome.counts().values()) == 208
    assert len(store.list()) == 208
    assert all(item.result.unmapped == [] for item in outcome.imported)


def test_an_imported_run_has_its_agents_rounds_turns_and_source(
    imported: tuple[SessionStore, FolderImport],
) -> None:
    store, outcome = imported
    item = next(i for i in outcome.imported if i.path.name == "warroom-A-run01.json")
    document = store.load(item.session_id)
    raw = json.loads(item.path.read_text(encoding="utf-8"))
    agent_messages = [m for m in raw["conversation"]["messages"] if m["sender"] not in ("user", "system")]

    assert [a.nickname for a in document.config.agents] == [f"Agent-{c}" for c in "ABCDEFGH"]
    assert (
        document.config.agents[1].provider
        == "openai-compatible:https://api.groq.com/openai/v1#openai/gpt-oss-120b"
    )
    assert {a.key_env for a in document.config.agents} == {"GROQ_API_KEY"}
    assert document.config.rounds == 11
    assert document.config.brief == raw["conversation"]["userPrompt"]
    assert [t.agent_id for t in document.turns] == [m["sender"] for m in agent_messages]
    assert [t.index for t in document.turns] == list(range(len(agent_messages)))
    assert [t.round for t in document.turns] == [m["round"] for m in agent_messages]
    assert document.provenance is not None
    assert document.provenance["source"]["path"] == str(item.path.resolve())
    assert len(document.provenance["source"]["sha256"]) == 64
    assert document.provenance["series"] == "A"
    assert document.provenance["condition"] == raw["condition"]


def test_error_messages_become_failed_turns_permanent_for_the_decommissioned_model(
    imported: tuple[SessionStore, FolderImport],
) -> None:
    store, outcome = imported
    kinds: Counter[tuple[str, str | None]] = Counter()
    for item in outcome.imported:
        for turn in store.load(item.session_id).turns:
            if turn.failed:
                kinds[(turn.agent_id, turn.error_kind)] += 1
    assert kinds[("deepseek", "permanent")] == 334
    assert kinds[("deepseek", "transient")] == 0
    assert kinds[("kimi", "transient")] == 166  # "over capacity"
    assert sum(kinds.values()) == 334 + 204 + 166 + 11 + 7 + 2  # every isError message but two
    failed = next(t for t in store.load(outcome.imported[0].session_id).turns if t.failed)
    assert failed.error is not None and failed.error.startswith("The model `deepseek-r1-distill-llama-70b`")
    assert failed.text == ""


def test_real_replies_the_war_room_marked_as_errors_are_imported_as_replies_and_noted(
    imported: tuple[SessionStore, FolderImport],
) -> None:
    store, outcome = imported
    noted = {item.path.name: item.result.notes for item in outcome.imported if item.result.notes}
    assert set(noted) == {"warroom-A-run17.json", "warroom-E-run03.json"}
    item = next(i for i in outcome.imported if i.path.name == "warroom-A-run17.json")
    document = store.load(item.session_id)
    reply = next(t for t in document.turns if t.text.startswith("⚠ **Agent-E**"))
    assert not reply.failed
    assert document.provenance is not None and document.provenance["notes"] == noted["warroom-A-run17.json"]


def test_series_conditions_map_onto_group_chat_options(imported: tuple[SessionStore, FolderImport]) -> None:
    store, outcome = imported
    options = {
        item.group: GroupChatOptions.model_validate(store.load(item.session_id).config.options)
        for item in outcome.imported
    }
    assert options["A"] == GroupChatOptions(on_permanent_failure="drop")
    assert options["C"].naming == "real"
    assert options["F"].isolated
    assert (options["K1"].ablation, options["K2"].ablation, options["K3"].ablation) == ("K1", "K2", "K3")
    b = store.load(next(i.session_id for i in outcome.imported if i.group == "B"))
    assert len({agent.provider for agent in b.config.agents}) == 1  # clone mode: one model, 8 agents
    f = store.load(next(i.session_id for i in outcome.imported if i.group == "F"))
    assert f.config.rounds == 1
    j = store.load(next(i.session_id for i in outcome.imported if i.group == "J"))
    assert j.config.rounds == 21


def test_series_e_keeps_the_shuffled_speaking_order_of_its_run() -> None:
    path = _run("warroom-E-run01")
    ranking = json.loads(path.read_text(encoding="utf-8"))["environment"]["agentRanking"]
    document = WarRoomImporter().read(path).document
    by_position = [entry["key"] for entry in sorted(ranking, key=lambda entry: entry["position"])]
    assert [agent.id for agent in document.config.agents] == by_position
    assert by_position[0] == "deepseek"


def test_a_run_stopped_for_rate_limits_has_a_stopped_control_and_status(
    imported: tuple[SessionStore, FolderImport],
) -> None:
    store, outcome = imported
    stopped = [store.load(item.session_id) for item in outcome.imported]
    stopped = [document for document in stopped if document.status == "stopped"]
    assert len(stopped) == 17
    control = stopped[0].controls[0]
    assert isinstance(control, Stopped)
    assert control.reason == "Most agents hit rate limits — stopping."
    assert control.turn_index == len(stopped[0].turns)


def test_an_imported_session_exports_to_json_that_loads_back_equal(
    imported: tuple[SessionStore, FolderImport], tmp_path: Path
) -> None:
    store, outcome = imported
    document = store.load(outcome.imported[5].session_id)
    exported = tmp_path / "exported.json"
    export_session(document, "json", exported)
    assert store.load(exported) == document


def test_reimporting_a_file_replaces_its_session_instead_of_adding_one(tmp_path: Path) -> None:
    store = SessionStore(tmp_path / "store")
    first = import_file(WarRoomImporter(), _run("warroom-B-run01"), store)
    again = import_file(WarRoomImporter(), _run("warroom-B-run01"), store)
    assert (first.replaced, again.replaced) == (False, True)
    assert again.session_id == first.session_id
    assert [summary.id for summary in store.list()] == [first.session_id]


def test_messages_that_cannot_be_mapped_are_reported_and_kept_in_the_provenance(tmp_path: Path) -> None:
    raw = json.loads(_run("warroom-G-run01").read_text(encoding="utf-8"))
    messages = raw["conversation"]["messages"]
    messages.insert(3, {"sender": "user", "time": "12:00", "text": "@all any update?"})
    messages.insert(5, {"sender": "system", "time": "12:00", "system": "Agent-C left the room"})
    messages.insert(7, {"sender": "mistral", "time": "12:00", "round": 0, "text": "Bonjour"})
    doctored = tmp_path / "warroom-G-run01.json"
    doctored.write_text(json.dumps(raw), encoding="utf-8")

    result = WarRoomImporter().read(doctored)

    assert result.unmapped == [
        "message 3: a user message after the brief has no place in a group chat session",
        "message 5: a system message that is neither a round marker nor a stop notice",
        "message 7: sender 'mistral' is not an agent of this run",
    ]
    kept = result.document.provenance["unmapped"] if result.document.provenance else []
    assert [entry["message"] for entry in kept] == [messages[3], messages[5], messages[7]]
    original = WarRoomImporter().read(_run("warroom-G-run01")).document
    assert [t.text for t in result.document.turns] == [t.text for t in original.turns]


def test_a_file_that_is_not_a_transcript_is_skipped_with_the_reason(tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text('{"hello": 1}', encoding="utf-8")
    broken = tmp_path / "warroom-A-run99.json"
    broken.write_text('{"condition": {}, "environment": {}, "conversation": {}}', encoding="utf-8")
    outcome = import_folder(WarRoomImporter(), tmp_path, SessionStore(tmp_path / "store"))
    assert outcome.imported == []
    reasons = dict(outcome.skipped)
    assert reasons[tmp_path / "notes.json"] == "not a warroom file"
    assert "not a War Room transcript" in reasons[broken]


def test_import_command_prints_the_count_per_series_and_writes_into_the_given_folder(tmp_path: Path) -> None:
    source = tmp_path / "transcripts"
    for series, run in (("A", "run01"), ("A", "run02"), ("K3", "run01")):
        target = source / series / f"warroom-{series}-{run}.json"
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(_run(f"warroom-{series}-{run}").read_bytes())
    into = tmp_path / "corpus"

    result = convscope("import", "warroom", str(source), "--into", str(into), home=tmp_path / "home")
    again = convscope("import", "warroom", str(source), "--into", str(into), home=tmp_path / "home")

    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[1].split() == ["A", "2"]
    assert lines[2].split() == ["K3", "1"]
    assert "3  (0 replaced)" in result.stdout
    assert "3  (3 replaced)" in again.stdout
    assert len([p for p in into.iterdir() if p.is_dir()]) == 3
