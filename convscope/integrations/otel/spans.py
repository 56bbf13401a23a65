"""One session as one OpenTelemetry trace, built with the OpenTelemetry SDK.

Follows the GenAI semantic conventions as published in semantic-conventions v1.41.0
(status: Development): a root ``invoke_workflow`` span per session run carrying
``gen_ai.conversation.id`` = the session id; under it one ``invoke_agent`` span per turn
(``gen_ai.agent.name`` = the nickname at that turn, ``gen_ai.agent.id``), and under that one
``chat`` client span for the model call (``gen_ai.request.model``, ``gen_ai.provider.name``,
``gen_ai.usage.input_tokens`` / ``output_tokens``). A failed turn sets ERROR status,
``error.type`` and an ``exception`` event; retries are events on the chat span.
Interventions, and the person's messages (no model was called: ``convscope.human_message``,
with its text only when ``content``), are events on the root span; convscope's own metrics go under
``convscope.metrics.``: a turn's as attributes of its ``invoke_agent`` span, a round's as an
event on the root span. Completions go in ``gen_ai.output.messages`` only when asked
(``content``), as the conventions recommend; sessions do not record prompts.

Timestamps are the recorded ones, so a file export of an old or imported session shows
the session as it happened. The trace id is derived from the session id: every export of
a session, live or from its file, and every resumed run, lands in the same trace.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import SpanLimits, TracerProvider
from opentelemetry.sdk.trace.id_generator import IdGenerator, RandomIdGenerator
from opentelemetry.trace import Span, SpanKind, Status, StatusCode
from opentelemetry.util.types import AttributeValue

from convscope import __version__
from convscope.core.config import SessionConfig
from convscope.core.providers.registry import InvalidSpecError, parse_spec, split_compatible_target
from convscope.core.records import ControlRecord, Turn
from convscope.sessions.export import flat_values

SEMCONV_VERSION = "1.41.0"
EXPORT_TIMEOUT_S = 5.0  # one OTLP request, its retries included

_PROVIDER_NAMES = {  # convscope backend -> gen_ai.provider.name (well-known values where one applies)
    "openai": "openai",
    "openai-compatible": "openai",  # an OpenAI-compatible server: the API is OpenAI's
    "anthropic": "anthropic",
}
_LIMITS = SpanLimits(max_span_attributes=2048, max_event_attributes=2048)


def _nanos(seconds: float) -> int:
    return round(seconds * 1e9)


def trace_id_of(session_id: str) -> int:
    return int.from_bytes(hashlib.sha256(session_id.encode()).digest()[:16], "big")


class _SessionIds(IdGenerator):
    """The trace id of the session; random span ids."""

    def __init__(self, session_id: str) -> None:
        self._trace_id = trace_id_of(session_id)
        self._spans = RandomIdGenerator()

    def generate_trace_id(self) -> int:
        return self._trace_id

    def generate_span_id(self) -> int:
        return self._spans.generate_span_id()


def quiet_sdk_logs() -> None:
    """The SDK logs every refused export on stderr (which would tear the TUI and turn a
    one-line error into a page); convscope says it once, itself. A logging setup of the
    user's own still gets the records."""
    logging.getLogger("opentelemetry").addHandler(logging.NullHandler())


def tracer_provider(session_id: str) -> TracerProvider:
    """A provider whose traces belong to ``session_id``; add a span processor to it."""
    resource = Resource.create({"service.name": "convscope", "service.version": __version__})
    return TracerProvider(
        resource=resource, id_generator=_SessionIds(session_id), span_limits=_LIMITS, shutdown_on_exit=False
    )


def model_attributes(provider_spec: str) -> dict[str, AttributeValue]:
    """``gen_ai.provider.name``, ``gen_ai.request.model`` and, for a server, its address."""
    try:
        backend, target = parse_spec(provider_spec)
    except InvalidSpecError:
        return {"gen_ai.provider.name": "_OTHER", "gen_ai.request.model": provider_spec}
    attributes: dict[str, AttributeValue] = {
        "gen_ai.provider.name": _PROVIDER_NAMES.get(backend, f"convscope.{backend}"),
        "gen_ai.request.model": target,
    }
    if backend == "openai-compatible":
        try:
            base_url, model = split_compatible_target(target)
        except InvalidSpecError:
            return attributes
        url = urlsplit(base_url)
        attributes["gen_ai.request.model"] = model
        if url.hostname:
            attributes["server.address"] = url.hostname
            attributes["server.port"] = url.port or (443 if url.scheme == "https" else 80)
    return attributes


def metric_attributes(values: Mapping[str, object]) -> dict[str, AttributeValue]:
    """A metrics point as ``convscope.metrics.<key>`` attributes (missing values left out)."""
    return {f"convscope.metrics.{key}": value for key, value in flat_values(values) if value is not None}


@dataclass(frozen=True)
class RetryNote:
    """A retry seen live (``StreamReset``); a saved session keeps only the count."""

    attempt: int
    reason: str
    at: float


class SessionTrace:
    """Builds one run of a session into spans: ``start``, then turns, controls and round
    metrics in any order, then ``end``. The file export and the live export both use it."""

    def __init__(self, provider: TracerProvider, session_id: str, config: SessionConfig, *, content: bool):
        self._tracer = provider.get_tracer("convscope", __version__)
        self._session_id = session_id
        self._config = config
        self._content = content
        self._agents = {agent.id: agent for agent in config.agents}
        self._root: Span | None = None

    def start(self, at: float, *, first_turn: int = 0) -> None:
        attributes: dict[str, AttributeValue] = {
            "gen_ai.operation.name": "invoke_workflow",
            "gen_ai.conversation.id": self._session_id,
            "convscope.session.title": self._config.title,
            "convscope.protocol": self._config.protocol,
            "convscope.rounds": self._config.rounds,
            "convscope.agents": [agent.id for agent in self._config.agents],
            "convscope.first_turn_index": first_turn,
        }
        if self._content:
            attributes["gen_ai.input.messages"] = _messages("user", self._config.brief)
        self._root = self._tracer.start_span(
            f"invoke_workflow {self._config.title}", attributes=attributes, start_time=_nanos(at)
        )

    def turn(
        self, turn: Turn, metrics: Mapping[str, object] | None = None, retries: Sequence[RetryNote] = ()
    ) -> None:
        """The turn's ``invoke_agent`` span and its ``chat`` span, with the recorded times (a
        person's message: an event on the session's span)."""
        if turn.human:
            self._human_message(turn)
            return
        call = self._call_attributes(turn)
        start, end = _nanos(turn.started_at), _nanos(turn.ended_at)
        invoke = self._tracer.start_span(
            f"invoke_agent {turn.nickname}",
            trace.set_span_in_context(self._require_root()),
            attributes={**call, **_agent_attributes(turn), **metric_attributes(metrics or {})},
            start_time=start,
        )
        chat = self._tracer.start_span(
            f"chat {call['gen_ai.request.model']!s}",
            trace.set_span_in_context(invoke),
            kind=SpanKind.CLIENT,
            attributes={**call, "gen_ai.operation.name": "chat"},
            start_time=start,
        )
        for note in retries:
            retry: dict[str, AttributeValue] = {
                "convscope.retry.attempt": note.attempt,
                "convscope.retry.reason": note.reason,
            }
            chat.add_event("convscope.retry", retry, timestamp=_nanos(note.at))
        if turn.failed:
            kind = turn.error_kind or "_OTHER"
            for span in (chat, invoke):
                span.set_attribute("error.type", kind)
                span.set_status(Status(StatusCode.ERROR, turn.error or ""))
            exception = {"exception.type": kind, "exception.message": turn.error or ""}
            chat.add_event("exception", exception, timestamp=end)
        elif self._content:
            chat.set_attribute(
                "gen_ai.output.messages", _messages("assistant", turn.text, finish_reason="stop")
            )
        chat.end(end)
        invoke.end(end)

    def _call_attributes(self, turn: Turn) -> dict[str, AttributeValue]:
        """What both spans of a turn say about the model call."""
        attributes: dict[str, AttributeValue] = {
            "gen_ai.conversation.id": self._session_id,
            **model_attributes(turn.model),
            **_usage(turn),
        }
        agent = self._agents.get(turn.agent_id)
        if agent is not None:
            if agent.params.temperature is not None:
                attributes["gen_ai.request.temperature"] = agent.params.temperature
            attributes["gen_ai.request.max_tokens"] = agent.params.max_tokens
        return attributes

    def _human_message(self, turn: Turn) -> None:
        attributes: dict[str, AttributeValue] = {
            "convscope.turn.index": turn.index,
            "convscope.turn.round": turn.round,
            "convscope.human.name": turn.nickname,
        }
        if turn.to is not None:
            attributes["convscope.human.to"] = turn.to
        if self._content:
            attributes["convscope.human.text"] = turn.text
        self._require_root().add_event("convscope.human_message", attributes, _nanos(turn.started_at))

    def control(self, record: ControlRecord) -> None:
        """An intervention, as an event on the session's span at the time it was made."""
        attributes: dict[str, AttributeValue] = {
            "convscope.control.kind": record.kind,
            "convscope.control.turn_index": record.turn_index,
        }
        for name, value in record.model_dump(exclude={"kind", "turn_index", "at"}).items():
            if isinstance(value, dict):  # thresholds: one attribute per threshold
                attributes.update({f"convscope.control.{name}.{key}": v for key, v in value.items()})
            elif value is not None:
                attributes[f"convscope.control.{name}"] = value
        self._require_root().add_event(f"convscope.control.{record.kind}", attributes, _nanos(record.at))

    def round_metrics(self, round_: int, values: Mapping[str, object], at: float) -> None:
        attributes = {"convscope.round": round_, **metric_attributes(values)}
        self._require_root().add_event("convscope.round_metrics", attributes, _nanos(at))

    def end(self, at: float, status: str) -> None:
        root = self._require_root()
        root.set_attribute("convscope.session.status", status)
        root.end(_nanos(at))

    def _require_root(self) -> Span:
        if self._root is None:
            raise RuntimeError("SessionTrace.start() was not called")
        return self._root


def _agent_attributes(turn: Turn) -> dict[str, AttributeValue]:
    attributes: dict[str, AttributeValue] = {
        "gen_ai.operation.name": "invoke_agent",
        "gen_ai.agent.name": turn.nickname,
        "gen_ai.agent.id": turn.agent_id,
        "convscope.turn.index": turn.index,
        "convscope.turn.round": turn.round,
        "convscope.turn.retries": turn.retries,
    }
    if turn.phase:
        attributes["convscope.turn.phase"] = turn.phase
    if turn.cut_by:
        attributes["convscope.turn.cut_by"] = turn.cut_by
    return attributes


def _messages(role: str, text: str, **extra: str) -> str:
    """One message in the conventions' shape, as the JSON string the attribute holds."""
    return json.dumps(
        [{"role": role, "parts": [{"type": "text", "content": text}], **extra}], ensure_ascii=False
    )


def _usage(turn: Turn) -> dict[str, AttributeValue]:
    usage: dict[str, AttributeValue] = {}
    if turn.prompt_tokens is not None:
        usage["gen_ai.usage.input_tokens"] = turn.prompt_tokens
    if turn.completion_tokens is not None:
        usage["gen_ai.usage.output_tokens"] = turn.completion_tokens
    return usage
