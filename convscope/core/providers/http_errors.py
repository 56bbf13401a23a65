"""One rule for turning an HTTP API failure into a ProviderError, shared by every SDK backend.

The message is ``Error code: STATUS - REASON``, with the server's own reason read from the
response body (``error.message``, ``message`` or FastAPI's ``detail``) and trimmed to one
line: it becomes the failed turn's text in the chat, as the real "model decommissioned"
error did in the War Room paper. The SDKs put only part of the body in ``str(err)`` (the
openai SDK nothing at all for a ``detail`` body), so the body is read here, not the text.
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from convscope.core.providers.base import ProviderError

# A bad key, no credit, no access, no such route or model: calling again will not help.
_PERMANENT_STATUS = frozenset({401, 402, 403, 404})
# Timeouts, conflicts and rate limits pass; so do 5xx (see status_error).
_RETRYABLE_STATUS = frozenset({408, 409, 429})
# A model the server does not have, whatever the status: Groq says 400 for a retired model,
# transformers serve 400 when pinned to another model, and 500 when it cannot load the id.
_NO_SUCH_MODEL = re.compile(
    r"decommissioned|model_not_found|pinned to|unknown model|no such model"
    r"|model.{0,80}(?:not found|does not exist|no longer supported|not available)"
    r"|not a valid model identifier|is not a local folder",
    re.IGNORECASE,
)
MAX_REASON_CHARS = 400


def server_reason(body: object) -> str | None:
    """The human part of an error body, on one line: ``{"error": {"message": ...}}`` (OpenAI,
    Anthropic), ``{"message": ...}``, ``{"detail": ...}`` (FastAPI, a string or a list of
    ``{"msg": ...}``), ``{"error": "..."}``, or the body itself when it is plain text."""
    reason: object = body
    if isinstance(body, Mapping):
        error = body.get("error")
        if isinstance(error, Mapping):
            error = error.get("message")
        reason = error or body.get("message") or body.get("detail")
    if isinstance(reason, list):
        reason = "; ".join(
            str(item.get("msg", item)) if isinstance(item, Mapping) else str(item) for item in reason
        )
    if not isinstance(reason, str) or not reason.strip():
        return None
    return one_line(reason)


def one_line(text: str) -> str:
    """Whitespace collapsed, cut at MAX_REASON_CHARS: an error is shown in a pane's header
    line and in the other agents' prompts, where a server's stack trace has no place."""
    flat = " ".join(text.split())
    return flat if len(flat) <= MAX_REASON_CHARS else flat[: MAX_REASON_CHARS - 1] + "…"


def error_code(body: object) -> str | None:
    """The machine-readable kind of error (``error.code`` or ``error.type``), when the body has one."""
    error = body.get("error", body) if isinstance(body, Mapping) else None
    if not isinstance(error, Mapping):
        return None
    code = error.get("code") or error.get("type")
    return code if isinstance(code, str) and code else None


def status_error(status: int, body: object, headers: Mapping[str, str]) -> ProviderError:
    """An HTTP error response. A model the server does not have is permanent whatever its status.

    A status below 400 means an error event inside a stream that had started fine: the
    server failed midway (Anthropic's ``overloaded_error``), so it is worth another try.
    """
    reason, code = server_reason(body), error_code(body)
    if status < 400:
        message = f"Error in the stream: {reason or 'no reason given'}" + (f" ({code})" if code else "")
    else:
        message = f"Error code: {status}" + (f" - {reason}" if reason else "")
    permanent = status in _PERMANENT_STATUS or _NO_SUCH_MODEL.search(f"{reason} {code}") is not None
    retryable = not permanent and (status in _RETRYABLE_STATUS or status >= 500 or status < 400)
    return ProviderError(
        message,
        retryable=retryable,
        permanent=permanent,
        retry_after=retry_after_s(headers) if retryable else None,
    )


def connection_error(error: BaseException, url: str) -> ProviderError:
    """A timeout or a dropped connection, naming the server it was talking to (which agent
    points at the dead port?) and the transport's reason when there is one."""
    cause = error.__cause__
    detail = f" ({type(cause).__name__}: {cause})" if cause is not None and str(cause) else ""
    return ProviderError(one_line(f"{host_port(url)}: {error}{detail}"), retryable=True)


def host_port(url: str) -> str:
    """``https://api.groq.com/openai/v1`` -> ``api.groq.com:443``: the port is always named.
    ``http://[::1]:8000/v1`` -> ``[::1]:8000``."""
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    host = parts.hostname or url
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 address is bracketed


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
