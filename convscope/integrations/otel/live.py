"""Live export: an engine observer that sends the session's spans to an OTLP/HTTP endpoint
while it runs (``convscope run --otlp-endpoint URL``, or ``OTEL_EXPORTER_OTLP_ENDPOINT``).

The observer only builds spans (microseconds) on the engine's loop; a BatchSpanProcessor
sends them from its own thread. An endpoint that is down or slow costs the session nothing:
spans it refuses are counted and reported in one line at the end, the session file is
written as always, and closing waits at most ``CLOSE_TIMEOUT_S`` for the last batch.
A turn's span waits for the turn's metrics point, so that its ``convscope.metrics.``
attributes are there; turns without one go out when the session ends.
"""

from __future__ import annotations

import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from typing import TextIO

from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult

from convscope.core.config import SessionConfig
from convscope.core.events import (
    ControlApplied,
    Event,
    MetricsUpdated,
    SessionEnded,
    SessionStarted,
    StreamReset,
    TurnCompleted,
    TurnFailed,
)
from convscope.core.records import Turn
from convscope.integrations.otel.spans import (
    EXPORT_TIMEOUT_S,
    RetryNote,
    SessionTrace,
    quiet_sdk_logs,
    tracer_provider,
)

CLOSE_TIMEOUT_S = 5.0  # the most the end of a session waits for the last spans


class _CountingExporter(SpanExporter):
    """Counts the spans the endpoint did not take, for the one line at the end."""

    def __init__(self, inner: SpanExporter) -> None:
        self.inner = inner
        self.lost = 0

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        try:
            result = self.inner.export(spans)
        except Exception:  # an exporter bug must not end the batch thread
            result = SpanExportResult.FAILURE
        if result is not SpanExportResult.SUCCESS:
            self.lost += len(spans)
        return result

    def shutdown(self) -> None:
        self.inner.shutdown()

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return self.inner.force_flush(timeout_millis)


class LiveTraceExporter:
    """``engine.subscribe(exporter)``; ``close()`` once the run is over."""

    def __init__(
        self,
        session_id: str,
        config: SessionConfig,
        endpoint: str,  # the full traces URL (``endpoint.live_endpoint``)
        *,
        content: bool = False,
        exporter: SpanExporter | None = None,
        clock: Callable[[], float] = time.time,
    ) -> None:
        quiet_sdk_logs()
        self.endpoint = endpoint
        self._exporter = _CountingExporter(
            exporter or OTLPSpanExporter(endpoint=self.endpoint, timeout=EXPORT_TIMEOUT_S)
        )
        self._provider = tracer_provider(session_id)
        self._provider.add_span_processor(BatchSpanProcessor(self._exporter, schedule_delay_millis=1000))
        self._trace = SessionTrace(self._provider, session_id, config, content=content)
        self._clock = clock
        self._started = False
        self._pending: dict[int, Turn] = {}
        self._retries: dict[int, list[RetryNote]] = {}

    def __call__(self, event: Event) -> None:
        match event:
            case SessionStarted(next_turn_index=first):
                self._trace.start(self._clock(), first_turn=first)
                self._started = True
            case StreamReset(turn_index=index, attempt=attempt, reason=reason):
                self._retries.setdefault(index, []).append(RetryNote(attempt, reason, self._clock()))
            case TurnCompleted(turn=turn) | TurnFailed(turn=turn):
                self._pending[turn.index] = turn
            case MetricsUpdated():
                self._metrics(event)
            case ControlApplied(record=record) if self._started:
                self._trace.control(record)
            case SessionEnded(reason=reason) if self._started:
                for index in sorted(self._pending):
                    self._send_turn(index, None)
                self._trace.end(self._clock(), reason)
                self._started = False

    def _metrics(self, point: MetricsUpdated) -> None:
        if point.turn_index is None:
            self._trace.round_metrics(point.round, point.values, self._clock())
        elif point.turn_index in self._pending:
            self._send_turn(point.turn_index, point.values)

    def _send_turn(self, index: int, metrics: Mapping[str, object] | None) -> None:
        self._trace.turn(self._pending.pop(index), metrics, self._retries.pop(index, ()))

    def close(self, report: TextIO | None = None) -> None:
        """Send what is left, waiting at most CLOSE_TIMEOUT_S; say on ``report`` (stderr by
        default) how many spans the endpoint did not take."""
        closing = threading.Thread(target=self._provider.shutdown, name="otlp-close", daemon=True)
        closing.start()
        closing.join(CLOSE_TIMEOUT_S)
        if closing.is_alive():
            problem = "did not take the last spans in time"
        elif self._exporter.lost:
            problem = f"did not take {self._exporter.lost} spans"
        else:
            return
        print(f"convscope: {self.endpoint} {problem} (the session is saved)", file=report or sys.stderr)
