"""HTTP failures: the server's reason from any body shape, how it is classified, who the
server was, and how long it asked us to wait."""

from __future__ import annotations

import time
from email.utils import formatdate

from convscope.core.providers.http_errors import (
    MAX_REASON_CHARS,
    host_port,
    retry_after_s,
    server_reason,
    status_error,
)


def test_retry_after_in_seconds_milliseconds_or_as_a_date() -> None:
    assert retry_after_s({"retry-after": "3"}) == 3.0
    assert retry_after_s({"retry-after": "0.5"}) == 0.5
    assert retry_after_s({"retry-after-ms": "1500", "retry-after": "9"}) == 1.5
    in_a_minute = retry_after_s({"retry-after": formatdate(time.time() + 60, usegmt=True)})
    assert in_a_minute is not None and 55 <= in_a_minute <= 61


def test_unusable_retry_after_is_ignored() -> None:
    assert retry_after_s({}) is None
    assert retry_after_s({"retry-after": "soon"}) is None
    assert retry_after_s({"retry-after": "-4"}) == 0.0


def test_retry_after_only_matters_for_retryable_errors() -> None:
    assert status_error(503, {"message": "busy"}, {"retry-after": "2"}).retry_after == 2.0
    assert status_error(401, {"message": "bad key"}, {"retry-after": "2"}).retry_after is None


def test_a_server_is_named_by_host_and_port_even_when_the_url_leaves_the_port_out() -> None:
    assert host_port("https://api.groq.com/openai/v1") == "api.groq.com:443"
    assert host_port("http://localhost/v1") == "localhost:80"
    assert host_port("http://127.0.0.1:11434/v1") == "127.0.0.1:11434"
    assert host_port("http://[::1]:8000/v1") == "[::1]:8000"


def test_the_reason_is_read_from_every_body_shape_servers_use() -> None:
    assert server_reason({"error": {"message": "bad model", "type": "x"}}) == "bad model"
    assert server_reason({"message": "no route"}) == "no route"
    assert server_reason({"detail": "Server is pinned"}) == "Server is pinned"
    assert (
        server_reason({"detail": [{"loc": ["body"], "msg": "field required"}, {"msg": "x"}]})
        == "field required; x"
    )
    assert server_reason({"error": "worker dead"}) == "worker dead"
    assert server_reason("Internal Server Error\n") == "Internal Server Error"
    assert server_reason({"unrelated": 1}) is None and server_reason(None) is None
    assert len(server_reason("x" * 5000) or "") == MAX_REASON_CHARS


def test_an_error_event_inside_a_stream_is_retryable_and_says_what_it_was() -> None:
    error = status_error(
        200, {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}, {}
    )

    assert error.message == "Error in the stream: Overloaded (overloaded_error)"
    assert error.retryable and not error.permanent


def test_a_model_the_server_does_not_have_is_permanent_whatever_the_status() -> None:
    assert status_error(400, {"message": "x", "code": "model_not_found"}, {}).permanent
    assert status_error(500, {"detail": "The model `smol` does not exist"}, {}).permanent
    assert not status_error(500, "Internal Server Error", {}).permanent
    assert not status_error(400, {"message": "max_tokens is too large"}, {}).permanent
