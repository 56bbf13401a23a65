"""A real OpenAI-compatible streaming server on 127.0.0.1, for tests that must meet the wire.

``OpenAIStub`` serves ``POST /v1/chat/completions`` (``stream: true``) as Server-Sent
Events exactly like OpenAI does: role chunk, one chunk per word, a ``finish_reason``
chunk, a usage chunk when ``stream_options.include_usage`` is set, then ``data: [DONE]``.
It also serves ``POST /v1/messages`` in Anthropic's event format, so the Anthropic SDK
can be driven through the same steps.

Each request consumes the next scripted step (``stub.script(...)``); once the script is
used up, requests get ``Reply()`` with ``stub.default_reply``. Every request is recorded
(``stub.requests``) with its headers, JSON body and arrival time (``time.monotonic()``),
so tests can assert on parameters, attempt counts and the gaps between attempts.

Use the ``openai_stub`` fixture, or ``with OpenAIStub() as stub:``.
"""

from __future__ import annotations

import json
import re
import socket
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

_CHUNK_PATTERN = re.compile(r"\s*\S+|\s+")


@dataclass(frozen=True)
class Reply:
    """Stream ``text`` (``None``: the stub's default reply) and finish normally."""

    text: str | None = None


@dataclass(frozen=True)
class Status:
    """Answer with an HTTP error and a JSON error body, before any streaming."""

    code: int
    message: str = "stub error"
    retry_after: str | None = None  # the raw Retry-After header value, e.g. "1"
    error_code: str | None = None  # OpenAI's error.code, e.g. "model_decommissioned"
    # The whole body instead of the OpenAI/Anthropic error shape: a dict is sent as JSON
    # (FastAPI's {"detail": ...}), a string as plain text (Starlette's "Internal Server Error").
    body: dict[str, Any] | str | None = None


@dataclass(frozen=True)
class Hang:
    """Send nothing for ``seconds`` (past the client's timeout), then reply normally."""

    seconds: float
    text: str | None = None


@dataclass(frozen=True)
class Cut:
    """Stream ``after_chunks`` chunks of the reply, then close the socket mid-stream."""

    after_chunks: int = 2
    text: str | None = None


@dataclass(frozen=True)
class Malformed:
    """Stream ``after_chunks`` good chunks, then an event whose data is ``payload``."""

    after_chunks: int = 1
    payload: str = "{this is not json"


@dataclass(frozen=True)
class StreamError:
    """Stream ``after_chunks`` good chunks, then an error event (OpenAI or Anthropic style)."""

    after_chunks: int = 1
    message: str = "The server had an error while processing your request."


Step = Reply | Status | Hang | Cut | Malformed | StreamError


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    headers: dict[str, str]  # names lower-cased
    body: dict[str, Any]
    at: float  # time.monotonic() when the request arrived


@dataclass
class _State:
    default_reply: str
    reject_stream_options: bool = False
    steps: deque[Step] = field(default_factory=deque)
    requests: list[RecordedRequest] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)
    closing: threading.Event = field(default_factory=threading.Event)

    def take(self, request: RecordedRequest) -> Step:
        with self.lock:
            self.requests.append(request)
            return self.steps.popleft() if self.steps else Reply()


class OpenAIStub:
    """The server. ``base_url`` ends in ``/v1``, ready for an OpenAI or Anthropic client."""

    def __init__(self, default_reply: str = "Hello from the stub server.") -> None:
        self._state = _State(default_reply=default_reply)
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.state = self._state
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="openai-stub", daemon=True
        )

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}/v1"

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._state.lock:
            return list(self._state.requests)

    @property
    def default_reply(self) -> str:
        return self._state.default_reply

    def script(self, *steps: Step) -> None:
        """Queue what the next requests get, one step per request, in order."""
        with self._state.lock:
            self._state.steps.extend(steps)

    def reject_stream_options(self) -> None:
        """Behave like servers that refuse ``stream_options`` with a 400."""
        self._state.reject_stream_options = True

    def start(self) -> OpenAIStub:
        self._thread.start()
        return self

    def close(self) -> None:
        self._state.closing.set()  # wakes hanging handlers
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> OpenAIStub:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    state: _State

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up (timeouts, cut streams) is part of the tests, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Keep the test output quiet."""

    def do_POST(self) -> None:
        state = self.server.state
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {key.lower(): value for key, value in self.headers.items()}
        recorded = RecordedRequest(self.path, headers, body, time.monotonic())
        anthropic = self.path.endswith("/messages")
        if not self.path.endswith(("/chat/completions", "/messages")):
            self._error(404, f"no route {self.path}", anthropic=anthropic)
            return
        step = state.take(recorded)
        if state.reject_stream_options and "stream_options" in body:
            self._error(400, "Unrecognized request argument supplied: stream_options", anthropic=anthropic)
            return
        try:
            self._serve(step, body, state, anthropic=anthropic)
        except OSError:  # the client went away (e.g. it timed out): nothing left to do
            self.close_connection = True

    def _serve(self, step: Step, body: dict[str, Any], state: _State, *, anthropic: bool) -> None:
        if isinstance(step, Status) and step.body is not None:
            self._send(step.code, step.body)
            return
        if isinstance(step, Status):
            self._error(step.code, step.message, anthropic, step.retry_after, step.error_code)
            return
        if isinstance(step, Hang) and state.closing.wait(step.seconds):
            return
        text = getattr(step, "text", None)
        chunks = _CHUNK_PATTERN.findall(state.default_reply if text is None else text)
        events = (_anthropic_events if anthropic else _openai_events)(body, chunks)
        cut_at = (
            step.after_chunks + 1 if isinstance(step, Cut | Malformed | StreamError) else None
        )  # +1: opening
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for index, event in enumerate(events):
            if index == cut_at:
                if isinstance(step, Malformed):
                    self._chunk(f"data: {step.payload}\n\n".encode())
                    break
                if isinstance(step, StreamError):
                    self._chunk(_error_event(step.message, anthropic).encode())
                    break
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self._chunk(event.encode())
        self._chunk(b"")

    def _chunk(self, data: bytes) -> None:
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def _error(
        self,
        code: int,
        message: str,
        anthropic: bool,
        retry_after: str | None = None,
        error_code: str | None = None,
    ) -> None:
        if anthropic:
            payload: dict[str, Any] = {"type": "error", "error": {"type": "api_error", "message": message}}
        else:
            payload = {"error": {"message": message, "type": "invalid_request_error", "code": error_code}}
        self._send(code, payload, retry_after)

    def _send(self, code: int, body: dict[str, Any] | str, retry_after: str | None = None) -> None:
        data = (body if isinstance(body, str) else json.dumps(body)).encode()
        self.send_response(code)
        self.send_header("Content-Type", "text/plain" if isinstance(body, str) else "application/json")
        self.send_header("Content-Length", str(len(data)))
        if retry_after is not None:
            self.send_header("Retry-After", retry_after)
        self.end_headers()
        self.wfile.write(data)


def _error_event(message: str, anthropic: bool) -> str:
    if anthropic:
        return _sse({"type": "error", "error": {"type": "overloaded_error", "message": message}}, "error")
    return _sse({"error": {"message": message, "type": "server_error"}})


def _prompt_tokens(body: dict[str, Any]) -> int:
    texts = [str(m.get("content", "")) for m in body.get("messages", [])] + [str(body.get("system", ""))]
    return sum(len(t.split()) for t in texts)


def _sse(data: dict[str, Any], event: str | None = None) -> str:
    prefix = f"event: {event}\n" if event else ""
    return f"{prefix}data: {json.dumps(data)}\n\n"


def _openai_events(body: dict[str, Any], chunks: list[str]) -> list[str]:
    base = {
        "id": "chatcmpl-stub",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": body.get("model"),
    }

    def choice(delta: dict[str, str], finish: str | None = None) -> str:
        return _sse({**base, "choices": [{"index": 0, "delta": delta, "finish_reason": finish}]})

    events = [choice({"role": "assistant", "content": ""})]
    events += [choice({"content": chunk}) for chunk in chunks]
    events.append(choice({}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        usage = {"prompt_tokens": _prompt_tokens(body), "completion_tokens": len(chunks)}
        events.append(_sse({**base, "choices": [], "usage": {**usage, "total_tokens": sum(usage.values())}}))
    events.append("data: [DONE]\n\n")
    return events


def _anthropic_events(body: dict[str, Any], chunks: list[str]) -> list[str]:
    message: dict[str, Any] = {
        "id": "msg_stub",
        "type": "message",
        "role": "assistant",
        "model": body.get("model"),
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {"input_tokens": _prompt_tokens(body), "output_tokens": 0},
    }
    block = {"type": "text", "text": ""}
    events = [_sse({"type": "message_start", "message": message}, "message_start")]
    events.append(
        _sse({"type": "content_block_start", "index": 0, "content_block": block}, "content_block_start")
    )
    events += [
        _sse(
            {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": chunk}},
            "content_block_delta",
        )
        for chunk in chunks
    ]
    events.append(_sse({"type": "content_block_stop", "index": 0}, "content_block_stop"))
    delta = {"stop_reason": "end_turn", "stop_sequence": None}
    usage = {"output_tokens": len(chunks)}
    events.append(_sse({"type": "message_delta", "delta": delta, "usage": usage}, "message_delta"))
    events.append(_sse({"type": "message_stop"}, "message_stop"))
    return events


@pytest.fixture
def openai_stub() -> Iterator[OpenAIStub]:
    """A fresh stub server per test, shut down afterwards (hanging requests included)."""
    with OpenAIStub() as stub:
        yield stub
