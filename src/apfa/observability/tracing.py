"""OpenTelemetry tracing, off unless ``APFA_OTEL_ENDPOINT`` is set.

Off, nothing is installed: no provider, no SQL listeners; the module-level tracers in the
domain code (``trace.get_tracer``) stay the API's no-op tracer, and FastAPI's built-in
telemetry stays disabled, as it only runs once a real provider is registered. On, a
process-wide provider exports through a ``BatchSpanProcessor`` to an OTLP/HTTP collector:
FastAPI's SERVER span per request (named by route template, continuing ``traceparent``)
with its dependency and endpoint spans, ``retrieval``/``embedding``/``faiss.search``
around a search, ``generation`` around composing an answer, and a CLIENT span per SQL
statement. Every span carries ``apfa.request_id``: the request-id middleware stamps the
server span, which starts before the id is known, and a span processor stamps the rest.

A tracer provider is process-wide in OpenTelemetry, so the first app set up with an
endpoint in a process owns it; a later app in the same process reuses it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

import structlog
from fastapi import FastAPI
from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import ReadableSpan, Span, SpanProcessor, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.trace import SpanKind, StatusCode
from sqlalchemy import event
from sqlalchemy.engine import Engine, ExceptionContext

from apfa.core.config import Settings
from apfa.core.context import current_request_id

log = structlog.get_logger(__name__)

REQUEST_ID_ATTRIBUTE = "apfa.request_id"
_SQL_SPAN = "_apfa_sql_span"
_STATEMENT_CHARS = 2048
_sql_tracer = trace.get_tracer("apfa.db")


def setup_tracing(app: FastAPI, settings: Settings) -> TracerProvider | None:
    """Install tracing for ``app`` when an endpoint is configured; else do nothing."""
    app.state.tracer_provider = None
    if not settings.otel_endpoint:
        return None
    provider = _process_provider(settings.otel_endpoint, settings.otel_service_name)
    _trace_sql()
    app.state.tracer_provider = provider
    return provider


def traces_url(endpoint: str) -> str:
    """The OTLP/HTTP traces URL: a bare collector address gets ``/v1/traces``."""
    url = endpoint.rstrip("/")
    return url if url.endswith("/v1/traces") else f"{url}/v1/traces"


def _process_provider(endpoint: str, service_name: str) -> TracerProvider:
    current = trace.get_tracer_provider()
    if isinstance(current, TracerProvider):
        log.info("tracing_provider_reused")
        return current
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: service_name}))
    provider.add_span_processor(RequestIdProcessor())
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter(endpoint=traces_url(endpoint))))
    trace.set_tracer_provider(provider)
    log.info("tracing_enabled", collector=urlsplit(endpoint).hostname, service=service_name)
    return provider


class RequestIdProcessor(SpanProcessor):
    """Stamps the request id (a context variable, copied into worker threads) on each span."""

    def on_start(self, span: Span, parent_context: otel_context.Context | None = None) -> None:
        request_id = current_request_id()
        if request_id is not None:
            span.set_attribute(REQUEST_ID_ATTRIBUTE, request_id)

    def on_end(self, span: ReadableSpan) -> None:
        return None

    def shutdown(self) -> None:
        return None

    def force_flush(self, timeout_millis: int = 30000) -> bool:
        return True


def _trace_sql() -> None:
    """One CLIENT span per statement, for every engine in the process (parameters omitted)."""
    for name, listener in (
        ("before_cursor_execute", _sql_started),
        ("after_cursor_execute", _sql_finished),
        ("handle_error", _sql_failed),
    ):
        if not event.contains(Engine, name, listener):
            event.listen(Engine, name, listener)


def _sql_started(
    conn: Any, _cursor: Any, statement: str, _params: Any, context: Any, _many: bool
) -> None:
    if context is None:
        return
    words = statement.split(None, 1)
    operation = words[0].upper() if words else "SQL"
    span = _sql_tracer.start_span(
        f"db {operation}",
        kind=SpanKind.CLIENT,
        attributes={
            "db.system": conn.dialect.name,
            "db.operation": operation,
            "db.statement": statement[:_STATEMENT_CHARS],
        },
    )
    setattr(context, _SQL_SPAN, span)


def _sql_finished(
    _conn: Any, _cursor: Any, _statement: str, _params: Any, context: Any, _many: bool
) -> None:
    span = getattr(context, _SQL_SPAN, None)
    if span is not None:
        delattr(context, _SQL_SPAN)
        span.end()


def _sql_failed(failure: ExceptionContext) -> None:
    context = failure.execution_context
    span = getattr(context, _SQL_SPAN, None) if context is not None else None
    if span is not None:
        delattr(context, _SQL_SPAN)
        span.record_exception(failure.original_exception)
        span.set_status(StatusCode.ERROR, type(failure.original_exception).__name__)
        span.end()
