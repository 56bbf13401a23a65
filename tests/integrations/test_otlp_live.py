"""Live export: spans reach an OTLP/HTTP receiver while the session runs, the same trace the
file export makes; an endpoint that is down costs the session nothing."""

from __future__ import annotations

import io
import socket
import time
from collections import Counter
from pathlib import Path

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

from convscope.core.engine import Observer
from convscope.integrations.otel.endpoint import live_endpoint
from convscope.integrations.otel.live import CLOSE_TIMEOUT_S, LiveTraceExporter
from convscope.integrations.otel.otlp_file import session_spans
from convscope.sessions.store import SessionStore
from tests.e2e.cli_support import convscope as run_cli
from tests.e2e.cli_support import write_config
from tests.integrations.otlp_receiver import OtlpReceiver
from tests.integrations.scripted import INTERVENTIONS, record_session, three_agents
from tests.support.openai_sse_server import OpenAIStub
from tests.support.tui_on_pty import TuiOnPty, wait_for


class _Exporters:
    """Builds the live exporter for the session and keeps it, to close it afterwards."""

    def __init__(self, stub: OpenAIStub, url: str, **options: object) -> None:
        self.config, self.url, self.options = three_agents(stub), url, options
        self.made: list[LiveTraceExporter] = []

    def __call__(self, session_id: str) -> Observer:
        exporter = LiveTraceExporter(session_id, self.config, self.url, **self.options)  # type: ignore[arg-type]
        self.made.append(exporter)
        return exporter


async def test_live_spans_are_the_trace_the_file_export_makes(openai_stub: OpenAIStub) -> None:
    with OtlpReceiver() as receiver:
        exporters = _Exporters(openai_stub, f"{receiver.url}/v1/traces")
        document = await record_session(openai_stub, SessionStore(), [exporters])
        report = io.StringIO()
        exporters.made[0].close(report)

    live = list(receiver.spans())
    from_file = session_spans(document)
    assert Counter(span.name for span in live) == Counter(span.name for span in from_file)
    assert {span.trace_id for span in live} == {from_file[0].context.trace_id.to_bytes(16, "big")}
    (root,) = [span for span in live if not span.parent_span_id]
    controls = [event.name.removeprefix("convscope.control.") for event in root.events]
    assert [name for name in controls if name in INTERVENTIONS] == list(INTERVENTIONS)
    invokes = [span for span in live if span.name.startswith("invoke_agent ")]
    assert len(invokes) == 6
    for span in invokes:
        keys = {attribute.key for attribute in span.attributes}
        assert {"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"} <= keys
        assert any(key.startswith("convscope.metrics.") for key in keys)  # waited for its metrics
    assert report.getvalue() == ""


def _dead_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])  # closed again: nothing listens there


async def test_a_dead_endpoint_neither_loses_nor_holds_up_the_session(openai_stub: OpenAIStub) -> None:
    url = f"http://127.0.0.1:{_dead_port()}/v1/traces"
    exporters = _Exporters(openai_stub, url, exporter=OTLPSpanExporter(endpoint=url, timeout=1))

    document = await record_session(openai_stub, SessionStore(), [exporters])
    report = io.StringIO()
    start = time.perf_counter()
    exporters.made[0].close(report)

    assert time.perf_counter() - start < CLOSE_TIMEOUT_S + 1
    assert len(document.turns) == 6 and document.status == "finished"
    assert SessionStore().load(document.id) == document
    assert report.getvalue().startswith(f"convscope: {url} did not take ")
    assert report.getvalue().endswith("(the session is saved)\n")


def test_the_endpoint_comes_from_the_flag_or_the_standard_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", raising=False)
    assert live_endpoint(None) is None
    assert live_endpoint("http://127.0.0.1:6006/") == "http://127.0.0.1:6006/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318")
    assert live_endpoint(None) == "http://collector:4318/v1/traces"
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/custom")
    assert live_endpoint(None) == "http://collector:4318/custom"
    assert live_endpoint("http://other:1/v1/traces") == "http://other:1/v1/traces"


def test_a_headless_run_exports_live_to_the_standard_variable(convscope_home: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path / "s.toml", ("Ada", "scripted:text:Hello there"), ("Bo", "scripted:echo"))
    with OtlpReceiver() as receiver:
        result = run_cli(
            "run",
            str(config),
            "--headless",
            home=convscope_home,
            env={"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url},
        )

    assert result.returncode == 0, result.stderr
    names = [span.name for span in receiver.spans()]
    assert names.count("invoke_agent Ada") == 2 and names.count("invoke_agent Bo") == 2
    assert sum(name.startswith("invoke_workflow ") for name in names) == 1


def test_a_tui_run_exports_live_to_the_standard_variable(convscope_home: Path, tmp_path: Path) -> None:
    config = write_config(tmp_path / "s.toml", ("Ada", "scripted:text:Hello there"), ("Bo", "scripted:echo"))
    store = SessionStore(convscope_home / "sessions")

    def finished() -> bool:
        return any(summary.status == "finished" for summary in store.list())

    with OtlpReceiver() as receiver:
        env = {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.url}
        with TuiOnPty("run", str(config), home=convscope_home, env=env) as tui:
            wait_for(finished, seconds=60, what="the session's end")
            tui.send("q")
            status = tui.wait(30)

    assert status == 0
    names = [span.name for span in receiver.spans()]
    assert names.count("invoke_agent Ada") == 2 and names.count("invoke_agent Bo") == 2
    assert sum(name.startswith("invoke_workflow ") for name in names) == 1
