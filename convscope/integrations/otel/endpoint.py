"""Where live spans go: the ``--otlp-endpoint`` flag, else the standard OTel variables.

Stdlib only, so that every headless run can ask without loading the OpenTelemetry SDK.
"""

from __future__ import annotations

import os

ENDPOINT_VARIABLES = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
_TRACES_PATH = "/v1/traces"


def live_endpoint(flag: str | None) -> str | None:
    """The OTLP/HTTP traces URL to send to, or None when nothing asks for a live export."""
    if flag:
        return traces_url(flag)
    if os.environ.get(ENDPOINT_VARIABLES[0]):
        return os.environ[ENDPOINT_VARIABLES[0]]  # the traces variable is the full URL already
    base = os.environ.get(ENDPOINT_VARIABLES[1])
    return traces_url(base) if base else None


def traces_url(endpoint: str) -> str:
    """A base URL (``http://127.0.0.1:6006``) gets the OTLP/HTTP traces path, as the OTel
    variable does; a URL that already ends with it is kept."""
    endpoint = endpoint.rstrip("/")
    return endpoint if endpoint.endswith(_TRACES_PATH) else endpoint + _TRACES_PATH
