"""One rule for turning an HTTP API failure into a ProviderError, shared by every SDK backend.

The SDK's own text is kept as the message: it becomes the failed turn's text in the chat,
as the real "model decommissioned" error did in the War Room paper.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime

from convscope.core.providers.base import ProviderError

# A bad key, no credit, no access, no such model: calling again will not help.
_PERMANENT_STATUS = frozenset({401, 402, 403, 404})
# Timeouts, conflicts and rate limits pass; so do 5xx (see status_error).
_RETRYABLE_STATUS = frozenset({408, 409, 429})
_RETIRED_MARKERS = ("decommissioned", "model_not_found")


def status_error(message: str, status: int, headers: Mapping[str, str]) -> ProviderError:
    """An HTTP error response. A retired model is permanent whatever its status (Groq says 400).

    A status below 400 means an error event inside a stream that had started fine: the
    server failed midway (Anthropic's ``overloaded_error``), so it is worth another try.
    """
    permanent = status in _PERMANENT_STATUS or any(marker in message.lower() for marker in _RETIRED_MARKERS)
    retryable = not permanent and (status in _RETRYABLE_STATUS or status >= 500 or status < 400)
    return ProviderError(
        message,
        retryable=retryable,
        permanent=permanent,
        retry_after=retry_after_s(headers) if retryable else None,
    )


def connection_error(error: BaseException) -> ProviderError:
    """A timeout or a dropped connection; the transport's reason is appended when there is one."""
    cause = error.__cause__
    detail = f" ({type(cause).__name__}: {cause})" if cause is not None and str(cause) else ""
    return ProviderError(f"{error}{detail}", retryable=True)


def retry_after_s(headers: Mapping[str, str]) -> float | None:
    """Seconds the server asked us to wait: ``retry-after-ms``, or ``Retry-After`` (seconds or a date)."""
    millis = headers.get("retry-after-ms")
    if millis is not None:
        try:
            return max(0.0, float(millis) / 1000)
        except ValueError:
            pass
    value = headers.get("retry-after")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time.time())
    except (TypeError, ValueError):
        return None
