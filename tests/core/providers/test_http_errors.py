"""How long a server asked us to wait, in each of the forms servers use."""

from __future__ import annotations

import time
from email.utils import formatdate

from convscope.core.providers.http_errors import retry_after_s, status_error


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
