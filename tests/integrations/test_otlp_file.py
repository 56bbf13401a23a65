"""The OTLP/JSON export: parsed back with the OpenTelemetry protobuf classes, a session is one
trace of GenAI spans with token usage, its interventions as events, its metrics under
``convscope.``, its failures as ERROR status, and its replies only when asked."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status

from convscope.core.records import Turn
from convscope.integrations.otel.otlp_file import otlp_json, read_otlp_json, session_spans
from convscope.integrations.otel.spans import trace_id_of
from convscope.sessions.export import flat_values
from convscope.sessions.schema import SessionDocument
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope as run_cli
from tests.integrations.otlp_receiver import OtlpReceiver
from tests.integrations.scripted import INTERVENTIONS, record_session
from tests.sessions.builders import conversation, make_config
from tests.support.openai_sse_server import OpenAIStub


@pytest.fixture
async def document(openai_stub: OpenAIStub) -> SessionDocument:
    return await record_session(openai_stub, SessionStore())


def _spans(request: ExportTraceServiceRequest) -> Iterator[Span]:
    for resource_spans in request.resource_spans:
        for scope_spans in resource_spans.scope_spans:
            yield from scope_spans.spans


def _value(value: AnyValue) -> object:
    return MessageToDict(value)  # {"stringValue": ...}, {"intValue": "12"}...


def _attributes(attributes: Iterator[KeyValue] | list[KeyValue]) -> dict[str, object]:
    return {item.key: next(iter(_value(item.value).values()), None) for item in attributes}


def _exported(
    document: SessionDocument, tmp_path: Path, home: Path, *flags: str
) -> ExportTraceServiceRequest:
    out = tmp_path / "trace.json"
    result = run_cli("export", document.id, "--format", "otlp", "-o", str(out), *flags, home=home)
    assert result.returncode == 0, result.stderr
    return read_otlp_json(out.read_text(encoding="utf-8"))


def test_a_three_agent_two_round_session_is_one_trace_of_six_invoke_agent_spans_with_usage(
    document: SessionDocument, tmp_path: Path, convscope_home: Path
) -> None:
    spans = list(_spans(_exported(document, tmp_path, convscope_home)))

    assert {span.trace_id for span in spans} == {trace_id_of(document.id).to_bytes(16, "big")}
    (root,) = [span for span in spans if not span.parent_span_id]
    invokes = [span for span in spans if span.name.startswith("invoke_agent ")]
    assert len(invokes) == 6 and all(span.parent_span_id == root.span_id for span in invokes)
    for span, turn in zip(sorted(invokes, key=lambda s: s.start_time_unix_nano), document.turns, strict=True):
        attributes = _attributes(span.attributes)
        assert attributes["gen_ai.operation.name"] == "invoke_agent"
        assert attributes["gen_ai.conversation.id"] == document.id
        assert attributes["gen_ai.agent.id"] == turn.agent_id
        assert attributes["gen_ai.agent.name"] == turn.nickname  # the name it had at that turn
        assert span.name == f"invoke_agent {turn.nickname}"
        assert int(attributes["gen_ai.usage.input_tokens"]) == turn.prompt_tokens  # type: ignore[arg-type]
        assert int(attributes["gen_ai.usage.output_tokens"]) == turn.completion_tokens  # type: ignore[arg-type]
        assert span.start_time_unix_nano == round(turn.started_at * 1e9)
        assert span.end_time_unix_nano == round(turn.ended_at * 1e9)
    assert [turn.nickname for turn in document.turns].count("Bo Prime") == 2


def test_each_turn_has_a_chat_client_span_for_its_model_call(
    document: SessionDocument, tmp_path: Path, convscope_home: Path
) -> None:
    spans = list(_spans(_exported(document, tmp_path, convscope_home)))
    invokes = {span.span_id: span for span in spans if span.name.startswith("invoke_agent ")}
    chats = [span for span in spans if span.name.startswith("chat ")]

    assert len(chats) == 6 and {chat.parent_span_id for chat in chats} == set(invokes)
    for chat in chats:
        attributes = _attributes(chat.attributes)
        assert chat.kind == Span.SPAN_KIND_CLIENT
        assert attributes["gen_ai.operation.name"] == "chat"
        assert attributes["gen_ai.provider.name"] == "openai"
        assert chat.name == f"chat {attributes['gen_ai.request.model']}"
        assert attributes["server.address"] == "127.0.0.1"
        assert "gen_ai.usage.output_tokens" in attributes
        assert "gen_ai.output.messages" not in attributes  # no content unless asked


def test_interventions_are_events_and_metrics_are_convscope_attributes(
    document: SessionDocument, tmp_path: Path, convscope_home: Path
) -> None:
    spans = list(_spans(_exported(document, tmp_path, convscope_home)))
    (root,) = [span for span in spans if not span.parent_span_id]

    controls = [event for event in root.events if event.name.startswith("convscope.control.")]
    assert [event.name.removeprefix("convscope.control.") for event in controls] == list(INTERVENTIONS)
    assert [event.time_unix_nano for event in controls] == [round(r.at * 1e9) for r in document.controls]
    assert _attributes(controls[0].attributes)["convscope.control.name"] == "Bo Prime"
    assert _attributes(controls[1].attributes)["convscope.control.thresholds.bleu"] == 0.3
    rounds = [event for event in root.events if event.name == "convscope.round_metrics"]
    assert len(rounds) == 2
    saved = {point.turn_index: point.values for point in document.metrics if "turn.index" in point.values}
    for span in spans:
        if span.name.startswith("invoke_agent "):
            attributes = _attributes(span.attributes)
            index = int(attributes["convscope.turn.index"])  # type: ignore[arg-type]
            metric_keys = {key.removeprefix("convscope.metrics.") for key in attributes if "metrics." in key}
            assert metric_keys and metric_keys <= {key for key, _ in flat_values(saved[index])}
    assert _attributes(root.attributes)["gen_ai.conversation.id"] == document.id


def test_replies_go_into_the_spans_only_with_otlp_content(
    document: SessionDocument, tmp_path: Path, convscope_home: Path
) -> None:
    spans = _spans(_exported(document, tmp_path, convscope_home, "--otlp-content"))

    outputs = [
        json.loads(str(_attributes(span.attributes)["gen_ai.output.messages"]))
        for span in sorted(spans, key=lambda s: s.start_time_unix_nano)
        if span.name.startswith("chat ")
    ]
    assert [output[0]["parts"][0]["content"] for output in outputs] == [t.text for t in document.turns]


def test_a_failed_turn_is_an_error_span_with_an_exception_event() -> None:
    with SessionStore().create(make_config()) as writer:
        for event in conversation(4):  # turn 3 fails
            writer.on_event(event)
    document = writer.document
    failed: Turn = next(turn for turn in document.turns if turn.failed)

    spans = list(_spans(read_otlp_json(otlp_json(document))))

    (chat,) = [s for s in spans if s.name.startswith("chat ") and s.status.code == Status.STATUS_CODE_ERROR]
    assert chat.status.message == failed.error
    assert _attributes(chat.attributes)["error.type"] == failed.error_kind
    (event,) = [event for event in chat.events if event.name == "exception"]
    assert _attributes(event.attributes)["exception.message"] == failed.error


def test_the_file_is_otlp_json_with_hex_ids(document: SessionDocument) -> None:
    raw = json.loads(otlp_json(document))

    span = raw["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    assert len(span["traceId"]) == 32 and int(span["traceId"], 16) == trace_id_of(document.id)
    assert len(span["spanId"]) == 16
    assert isinstance(span["kind"], int)


def test_export_sends_the_trace_to_an_otlp_endpoint_as_protobuf(
    document: SessionDocument, convscope_home: Path
) -> None:
    with OtlpReceiver() as receiver:
        result = run_cli(
            "export", document.id, "--format", "otlp", "--otlp-endpoint", receiver.url, home=convscope_home
        )

    assert result.returncode == 0, result.stderr
    assert sorted(span.name for span in receiver.spans()) == sorted(s.name for s in session_spans(document))


def test_export_to_an_endpoint_that_is_down_is_one_line_and_exit_2(
    document: SessionDocument, convscope_home: Path
) -> None:
    url = "http://127.0.0.1:9/v1/traces"  # discard: nothing listens

    result = run_cli("export", document.id, "--format", "otlp", "--otlp-endpoint", url, home=convscope_home)

    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"convscope: error: {url} did not take the trace of session {document.id}"
    ]
