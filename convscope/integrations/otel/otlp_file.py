"""``convscope export <id> --format otlp``: a saved session as one OTLP/JSON trace file, or
sent as protobuf to an OTLP/HTTP endpoint (``--otlp-endpoint``; Phoenix takes only protobuf).

The spans are built with the SDK (``spans.SessionTrace``) into memory, encoded by the OTLP
exporter's own encoder into an ``ExportTraceServiceRequest``, and written with the OTLP/JSON
rules: protobuf's JSON mapping, except that trace and span ids are hex, not base64.
``read_otlp_json`` reverses that, so a file can be checked or sent on as protobuf.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable, Iterator
from typing import Any

from google.protobuf.json_format import MessageToDict, ParseDict
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SimpleSpanProcessor, SpanExportResult
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from convscope.integrations.otel.spans import EXPORT_TIMEOUT_S, SessionTrace, quiet_sdk_logs, tracer_provider
from convscope.sessions.schema import SessionDocument

_ID_FIELDS = ("traceId", "spanId", "parentSpanId")


def session_spans(document: SessionDocument, *, content: bool = False) -> tuple[ReadableSpan, ...]:
    """The session's trace: its turns, interventions and metrics, at their recorded times."""
    from convscope.plotdata.points import session_points  # the trackers: only when exporting

    memory = InMemorySpanExporter()
    provider = tracer_provider(document.id)
    provider.add_span_processor(SimpleSpanProcessor(memory))
    builder = SessionTrace(provider, document.id, document.config, content=content)
    builder.start(document.created_at)
    points = session_points(document)
    turn_metrics = {point.turn_index: point.values for point in points if point.turn_index is not None}
    round_ends: dict[int, float] = {}
    for turn in document.turns:
        builder.turn(turn, turn_metrics.get(turn.index))
        round_ends[turn.round] = max(round_ends.get(turn.round, turn.ended_at), turn.ended_at)
    for record in document.controls:
        builder.control(record)
    for point in points:
        if point.turn_index is None:
            builder.round_metrics(point.round, point.values, round_ends.get(point.round, document.updated_at))
    last = max([document.updated_at, *round_ends.values()])
    builder.end(last, document.status)
    provider.shutdown()
    return memory.get_finished_spans()


def send_session(document: SessionDocument, url: str, *, content: bool = False) -> None:
    """Send the session's trace to an OTLP/HTTP traces URL as protobuf (what Phoenix takes)."""
    quiet_sdk_logs()
    exporter = OTLPSpanExporter(endpoint=url, timeout=EXPORT_TIMEOUT_S)
    try:
        result = exporter.export(session_spans(document, content=content))
    finally:
        exporter.shutdown()  # type: ignore[no-untyped-call]
    if result is not SpanExportResult.SUCCESS:
        raise ConnectionError(f"{url} did not take the trace of session {document.id}")


def otlp_json(document: SessionDocument, *, content: bool = False) -> str:
    request = encode_spans(session_spans(document, content=content))
    raw = MessageToDict(request, use_integers_for_enums=True)
    _convert_ids(raw, lambda value: base64.b64decode(value).hex())
    return json.dumps(raw, ensure_ascii=False, separators=(",", ":")) + "\n"


def read_otlp_json(text: str) -> ExportTraceServiceRequest:
    """An OTLP/JSON trace file as the protobuf request a collector receives."""
    raw = json.loads(text)
    _convert_ids(raw, lambda value: base64.b64encode(bytes.fromhex(value)).decode())
    request = ExportTraceServiceRequest()
    ParseDict(raw, request)
    return request


def _convert_ids(raw: dict[str, Any], convert: Callable[[str], str]) -> None:
    for span in _spans(raw):
        for holder in (span, *span.get("links", [])):
            for field in _ID_FIELDS:
                if holder.get(field):
                    holder[field] = convert(holder[field])


def _spans(raw: dict[str, Any]) -> Iterator[dict[str, Any]]:
    for resource_spans in raw.get("resourceSpans", []):
        for scope_spans in resource_spans.get("scopeSpans", []):
            yield from scope_spans.get("spans", [])
