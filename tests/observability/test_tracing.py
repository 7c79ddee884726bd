"""Tracing: off installs nothing; on, the request, retrieval, embedding, generation and SQL
spans appear in one trace, carry the request id, and reach an OTLP/HTTP collector."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import uuid
from collections.abc import AsyncIterator, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from opentelemetry import trace
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.knowledge.flows import IngestReport
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.main import create_app
from apfa.observability.tracing import REQUEST_ID_ATTRIBUTE, traces_url
from apfa.providers.embeddings import SentenceTransformerEmbedder
from support import bearer


class Collector:
    """A stub OTLP/HTTP collector that keeps every export request it receives."""

    def __init__(self) -> None:
        self.requests: list[ExportTraceServiceRequest] = []
        received = self.requests

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                if self.path == "/v1/traces":
                    received.append(ExportTraceServiceRequest.FromString(body))
                self.send_response(200 if self.path == "/v1/traces" else 404)
                self.send_header("Content-Type", "application/x-protobuf")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *_args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self._thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self._thread.start()

    def span_names(self) -> set[str]:
        return {
            span.name
            for request in self.requests
            for resource in request.resource_spans
            for scope in resource.scope_spans
            for span in scope.spans
        }

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="session")
def collector() -> Iterator[Collector]:
    stub = Collector()
    yield stub
    # The provider is process-wide: flush and stop it while the collector still listens.
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.shutdown()
    stub.close()


@pytest.fixture(scope="session")
async def traced_app(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    ingested: IngestReport,
    users: dict[Role, str],
    collector: Collector,
) -> AsyncIterator[FastAPI]:
    traced = settings.model_copy(
        update={"otel_endpoint": collector.url, "otel_service_name": "apfa-test"}
    )
    application = create_app(traced, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
def spans(traced_app: FastAPI) -> InMemorySpanExporter:
    provider: TracerProvider = traced_app.state.tracer_provider
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
async def traced_client(
    traced_app: FastAPI, spans: InMemorySpanExporter
) -> AsyncIterator[httpx.AsyncClient]:
    spans.clear()
    transport = httpx.ASGITransport(app=traced_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
        yield http


def _by_name(finished: tuple[ReadableSpan, ...]) -> dict[str, list[ReadableSpan]]:
    named: dict[str, list[ReadableSpan]] = {}
    for span in finished:
        named.setdefault(span.name, []).append(span)
    return named


async def test_advice_request_is_one_trace_with_the_request_id(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter, tokens: dict[Role, str]
) -> None:
    request_id = f"trace-{uuid.uuid4().hex[:12]}"
    response = await traced_client.post(
        "/api/v1/advice",
        json={"query": f"When can I stop paying PMI on my mortgage? ({request_id})"},
        headers={**bearer(tokens[Role.USER]), "X-Request-ID": request_id},
    )
    assert response.status_code == 200, response.text
    named = _by_name(spans.get_finished_spans())
    (server,) = named["POST /api/v1/advice"]
    # The advice route is called directly (core/routing.py), so FastAPI's own endpoint
    # span is not there: the pipeline's spans hang off the request's server span.
    stages = {
        "understanding",
        "embedding",
        "computation",
        "retrieval",
        "faiss.search",
        "generation",
    }
    for name in stages:
        assert name in named, sorted(named)
    mine = [s for s in spans.get_finished_spans() if s.context.trace_id == server.context.trace_id]
    assert {s.name for s in mine} >= stages
    for span in mine:
        assert span.attributes is not None
        assert span.attributes[REQUEST_ID_ATTRIBUTE] == request_id, span.name
    assert server.attributes is not None
    assert server.attributes["http.route"] == "/api/v1/advice"
    assert server.attributes["http.response.status_code"] == 200
    (understanding,) = named["understanding"]
    (retrieval,) = named["retrieval"]
    (embedding,) = named["embedding"]
    (search,) = named["faiss.search"]
    # The question is embedded once, to understand it; that vector also searches the index.
    assert embedding.parent is not None
    assert embedding.parent.span_id == understanding.context.span_id
    assert search.parent is not None
    assert search.parent.span_id == retrieval.context.span_id
    assert retrieval.parent is not None
    assert retrieval.attributes is not None
    hits = retrieval.attributes["apfa.hits"]
    assert isinstance(hits, int)
    assert hits > 0


async def test_database_statements_are_spans_under_the_request(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    response = await traced_client.get("/ready", headers={"X-Request-ID": "ready-trace-1"})
    assert response.status_code == 200
    named = _by_name(spans.get_finished_spans())
    (server,) = named["GET /ready"]
    (select,) = [
        s
        for s in named.get("db SELECT", [])
        if s.attributes and s.attributes.get("db.statement") == "SELECT 1"
    ]
    assert select.context.trace_id == server.context.trace_id
    assert select.attributes is not None
    assert select.attributes[REQUEST_ID_ATTRIBUTE] == "ready-trace-1"
    assert select.attributes["db.system"] in {"sqlite", "postgresql"}


async def test_incoming_traceparent_is_continued(
    traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    trace_id = uuid.uuid4().hex
    parent = f"00-{trace_id}-{'ab' * 8}-01"
    await traced_client.get("/health", headers={"traceparent": parent})
    (server,) = _by_name(spans.get_finished_spans())["GET /health"]
    assert f"{server.context.trace_id:032x}" == trace_id


async def test_server_errors_mark_the_span(
    traced_app: FastAPI, traced_client: httpx.AsyncClient, spans: InMemorySpanExporter
) -> None:
    holder = INDEX_HOLDER.of(traced_app)
    served = holder.swap(None)
    try:
        assert (await traced_client.get("/ready")).status_code == 503
    finally:
        holder.swap(served)
    (server,) = _by_name(spans.get_finished_spans())["GET /ready"]
    assert not server.status.is_ok


async def test_spans_reach_the_otlp_collector(
    traced_app: FastAPI, traced_client: httpx.AsyncClient, collector: Collector
) -> None:
    await traced_client.get("/health", headers={"X-Request-ID": "otlp-export-1"})
    provider: TracerProvider = traced_app.state.tracer_provider
    assert provider.force_flush(10_000)
    assert "GET /health" in collector.span_names()
    services = {
        attr.value.string_value
        for request in collector.requests
        for resource in request.resource_spans
        for attr in resource.resource.attributes
        if attr.key == "service.name"
    }
    assert services == {"apfa-test"}
    exported_ids = {
        attr.value.string_value
        for request in collector.requests
        for resource in request.resource_spans
        for scope in resource.scope_spans
        for span in scope.spans
        for attr in span.attributes
        if attr.key == REQUEST_ID_ATTRIBUTE
    }
    assert "otlp-export-1" in exported_ids


def test_traces_url_appends_the_otlp_path() -> None:
    assert traces_url("http://collector:4318") == "http://collector:4318/v1/traces"
    assert traces_url("http://collector:4318/") == "http://collector:4318/v1/traces"
    assert traces_url("http://c:4318/v1/traces") == "http://c:4318/v1/traces"


def test_tracing_off_installs_nothing(app: FastAPI) -> None:
    assert app.state.tracer_provider is None


def test_tracing_off_leaves_the_process_untouched(tmp_path: Path) -> None:
    # In a fresh interpreter: this test process already has a provider from the tests above.
    script = textwrap.dedent(
        """
        from opentelemetry import trace
        from sqlalchemy import event
        from sqlalchemy.engine import Engine
        from apfa.core.config import Settings
        from apfa.main import create_app
        from apfa.observability import tracing

        app = create_app(Settings(_env_file=None))
        assert app.state.tracer_provider is None
        assert isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider)
        assert not event.contains(Engine, "before_cursor_execute", tracing._sql_started)
        with trace.get_tracer("x").start_as_current_span("s") as span:
            assert not span.is_recording()
        print("ok")
        """
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APFA_", "OTEL_"))}
    result = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"
