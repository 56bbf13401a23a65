"""A recorded session with a person's message (to one agent) and an interrupted turn, out
through every format: the full JSON, JSONL, Markdown, the metrics CSV, Parquet and the
pandas frames, the OTLP trace, the HTML report and ``sessions show``."""

from __future__ import annotations

import asyncio
import csv
import io
import json
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from convscope.cli import main
from convscope.core.agents import AgentSpec
from convscope.core.config import SessionConfig
from convscope.core.events import ControlApplied, Event, TokenDelta, TurnCompleted
from convscope.core.records import HUMAN_ID
from convscope.integrations.frames import turns_frame
from convscope.integrations.otel.otlp_file import read_otlp_json
from convscope.runtime.session import SessionRuntime
from convscope.sessions.markdown import render_markdown
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore

MESSAGE = "Bo, please name a budget"


def recorded() -> SessionDocument:
    """Ada speaks slowly and is interrupted after two words; Moderator then asks Bo for a
    budget; the run is resumed and ends after Bo's and Cy's turns."""
    slow = "scripted:text:one two three four five six seven eight?delay=0.1"
    agents = (
        AgentSpec(id="a0", nickname="Ada", provider=slow),
        AgentSpec(id="a1", nickname="Bo", provider="scripted:text:A budget of 300 euros."),
        AgentSpec(id="a2", nickname="Cy", provider="scripted:text:Fine by me."),
    )
    runtime = SessionRuntime.start(SessionConfig(title="voiced", brief="Plan.", rounds=1, agents=agents))
    engine = runtime.engine
    tokens: list[str] = []

    def person(event: Event) -> None:
        if isinstance(event, TokenDelta) and event.turn_index == 0:
            tokens.append(event.text)
            if len(tokens) == 2:
                engine.interrupt()
        elif isinstance(event, TurnCompleted) and event.turn.index == 0:
            engine.say(MESSAGE, to="a1")
        elif isinstance(event, ControlApplied) and event.record.kind == "paused":
            engine.resume()

    runtime.subscribe(person)
    asyncio.run(runtime.run())
    return SessionStore().load(runtime.session_id)


@pytest.fixture
def document() -> SessionDocument:
    document = recorded()
    assert [(t.agent_id, t.human, t.cut_by) for t in document.turns] == [
        ("a0", False, "interrupt"),
        (HUMAN_ID, True, None),
        ("a1", False, None),
        ("a2", False, None),
    ]
    return document


def exported(capsys: pytest.CaptureFixture[str], *args: str) -> str:
    assert main(list(args)) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def test_json_jsonl_and_sessions_show_keep_the_human_turn_and_the_interrupted_one(
    document: SessionDocument, capsys: pytest.CaptureFixture[str]
) -> None:
    for text in (exported(capsys, "export", document.id), exported(capsys, "sessions", "show", document.id)):
        turns = json.loads(text)["turns"]
        assert turns[1] | {"started_at": 0, "ended_at": 0} == turns[1] | {
            "agent_id": HUMAN_ID, "nickname": "Moderator", "model": "human", "text": MESSAGE,
            "human": True, "to": "a1", "started_at": 0, "ended_at": 0,
        }  # fmt: skip
        assert turns[0]["cut_by"] == "interrupt" and turns[0]["error"] is None
    lines = [
        json.loads(line) for line in exported(capsys, "export", document.id, "--format", "jsonl").splitlines()
    ]
    assert [(line["human"], line["to"]) for line in lines[1:]] == [
        (False, None),
        (True, "a1"),
        (False, None),
        (False, None),
    ]


def test_markdown_reads_the_message_as_the_persons_and_marks_the_interrupted_turn(
    document: SessionDocument, capsys: pytest.CaptureFixture[str]
) -> None:
    text = exported(capsys, "export", document.id, "--format", "md")
    assert f"🗣 **Moderator** (person, to Bo): {MESSAGE}" in text.splitlines()
    assert (
        "**Ada** (scripted:text:one two three four five six seven eight?delay=0.1): one two _(interrupted)_"
        in text
    )


def test_the_metrics_csv_has_the_human_turn_as_a_row_with_its_identity_only(
    document: SessionDocument, capsys: pytest.CaptureFixture[str]
) -> None:
    rows = list(csv.DictReader(io.StringIO(exported(capsys, "export", document.id, "--format", "csv"))))
    human = next(row for row in rows if row["turn_index"] == "1")
    assert human["turn.agent_id"] == HUMAN_ID and human["rouge1"] == "" and human["confidence.mean"] == ""


def test_parquet_and_the_turns_frame_say_which_turn_is_a_persons_and_which_was_interrupted(
    document: SessionDocument, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    exported(capsys, "export", document.id, "--format", "parquet", "-o", str(tmp_path))
    table = pq.read_table(tmp_path / "turns.parquet").to_pylist()
    assert [(row["human"], row["addressed_to"], row["cut_by"]) for row in table] == [
        (False, None, "interrupt"), (True, "a1", None), (False, None, None), (False, None, None),
    ]  # fmt: skip
    frame = turns_frame([document])
    assert frame.loc[frame["human"], "text"].tolist() == [MESSAGE]


def test_the_trace_has_the_message_as_an_event_not_a_model_call(
    document: SessionDocument, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "trace.json"
    exported(capsys, "export", document.id, "--format", "otlp", "-o", str(out), "--otlp-content")
    spans = [
        span
        for rs in read_otlp_json(out.read_text()).resource_spans
        for ss in rs.scope_spans
        for span in ss.spans
    ]
    assert (
        sum(span.name.startswith("invoke_agent") for span in spans) == 3
    )  # Ada, Bo, Cy: no span for the person
    [root] = [span for span in spans if span.name.startswith("invoke_workflow")]
    [event] = [event for event in root.events if event.name == "convscope.human_message"]
    attributes: dict[str, Any] = {
        item.key: item.value.string_value or item.value.int_value for item in event.attributes
    }
    assert attributes == {
        "convscope.turn.index": 1, "convscope.turn.round": 0, "convscope.human.name": "Moderator",
        "convscope.human.to": "a1", "convscope.human.text": MESSAGE,
    }  # fmt: skip
    [ada] = [span for span in spans if span.name == "invoke_agent Ada"]
    assert any(
        item.key == "convscope.turn.cut_by" and item.value.string_value == "interrupt"
        for item in ada.attributes
    )


def test_the_html_report_lists_the_persons_messages(
    document: SessionDocument, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "report.html"
    exported(capsys, "report", document.id, "-o", str(out), "--no-embeddings")
    html = out.read_text(encoding="utf-8")
    assert "<h2>Messages from people</h2>" in html
    assert f"<td>1</td><td>0</td><td>Moderator</td><td>Bo</td><td>{MESSAGE}</td>" in html


def test_markdown_marks_an_interrupted_turn_that_said_nothing_yet(document: SessionDocument) -> None:
    ada = document.turns[0].model_copy(update={"text": ""})
    text = render_markdown(document.model_copy(update={"turns": [ada, *document.turns[1:]]}))
    assert (
        "**Ada** (scripted:text:one two three four five six seven eight?delay=0.1): _(interrupted)_" in text
    )
