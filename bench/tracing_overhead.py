"""Tracing overhead: tracing off (as shipped) against a build with no tracing code, and on.

Runs the real app in process (ASGI, SQLite, a small corpus, the hashing embedder so the
model's own time does not hide small differences) and prints JSON:

- ``micro_ns``: the cost of one instrumentation point: a span from the API's no-op tracer
  (tracing off), the ``nullcontext`` that stands in for no tracing code, the request-id
  stamp on the current span, and a recorded span when tracing is on;
- ``http``: median and p95 latency of cached and uncached ``/api/v1/advice`` for
  ``no_tracing_code`` (module tracers swapped for ``nullcontext``), ``off`` and ``on``
  (a real provider and batch processor with an exporter that drops spans), in interleaved
  rounds (alternating order); ``off_vs_no_code_pct`` is the overhead of tracing off,
  ``no_tracing_code_again_vs_no_code_pct`` the same build measured twice (the noise), and
  ``estimated_off_overhead_us_per_request`` the same from the micro figures (end-to-end
  differences of a few microseconds are below the run-to-run noise).

    .venv/bin/python bench/tracing_overhead.py [--rounds 5] [--requests 1000]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import platform
import secrets
import statistics
import tempfile
import time
import timeit
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

import httpx
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter, SpanExportResult
from pydantic import SecretStr

import apfa.advice.flows
import apfa.knowledge.retrieval
import apfa.observability.middleware
from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.flows import ingest_and_publish
from apfa.main import create_app
from apfa.observability import tracing
from apfa.observability.logging import configure_logging
from apfa.providers.embeddings import HashingEmbedder
from apfa.users.service import create_user

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "corpus"
PASSWORD = secrets.token_urlsafe(24)
CACHED = {"query": "How do lenders use my debt-to-income ratio?"}


class _DropExporter(SpanExporter):
    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        return SpanExportResult.SUCCESS

    def shutdown(self) -> None:
        return None


class _NullSpan:
    def set_attribute(self, _key: str, _value: Any) -> None:
        return None


class _NullTracer:
    def start_as_current_span(self, _name: str, **_kw: Any) -> AbstractContextManager[_NullSpan]:
        return nullcontext(_NullSpan())


class _NullTrace:
    """Stands in for the ``trace`` module in the request-id middleware."""

    _span = _NullSpan()

    def get_current_span(self) -> _NullSpan:
        return self._span


@contextmanager
def no_tracing_code() -> Iterator[None]:
    modules: list[tuple[Any, str]] = [
        (apfa.knowledge.retrieval, "_tracer"),
        (apfa.advice.flows, "_tracer"),
        (apfa.observability.middleware, "trace"),
    ]
    saved = [getattr(module, name) for module, name in modules]
    stand_ins: list[Any] = [_NullTracer(), _NullTracer(), _NullTrace()]
    for (module, name), stand_in in zip(modules, stand_ins, strict=True):
        setattr(module, name, stand_in)
    try:
        yield
    finally:
        for (module, name), value in zip(modules, saved, strict=True):
            setattr(module, name, value)


def per_call_ns(fn: Callable[[], object], number: int = 200_000) -> float:
    best = min(timeit.repeat(fn, number=number, repeat=5))
    return round(best / number * 1e9, 1)


def micro_off() -> dict[str, float]:
    tracer = trace.get_tracer("bench")

    def noop_span() -> None:
        with tracer.start_as_current_span("x"):
            pass

    def null_context() -> None:
        with nullcontext():
            pass

    def stamp() -> None:
        trace.get_current_span().set_attribute(tracing.REQUEST_ID_ATTRIBUTE, "abc")

    return {
        "span_tracing_off": per_call_ns(noop_span),
        "nullcontext_no_code": per_call_ns(null_context),
        "request_id_stamp_tracing_off": per_call_ns(stamp),
    }


def micro_on() -> dict[str, float]:
    tracer = trace.get_tracer("bench")

    def recorded_span() -> None:
        with tracer.start_as_current_span("x"):
            pass

    return {"span_tracing_on": per_call_ns(recorded_span, number=20_000)}


async def prepare(var_dir: Path) -> Settings:
    settings = Settings(
        _env_file=None,  # type: ignore[call-arg]
        var_dir=var_dir,
        jwt_secret=SecretStr("bench-secret-" + "x" * 40),
        log_level="WARNING",
        rate_limit_advice="10000000/minute",
        rate_limit_token="10000/minute",  # noqa: S106 - a rate, not a secret
    )
    await asyncio.to_thread(upgrade_to_head, settings)
    engine = create_engine(settings)
    try:
        maker = create_sessionmaker(engine)
        await ingest_and_publish(maker, HashingEmbedder(), settings.index_dir, [CORPUS])
        async with session_scope(maker) as session:
            await create_user(session, "bench-user", PASSWORD, Role.USER)
    finally:
        await engine.dispose()
    return settings


async def latencies(http: httpx.AsyncClient, bodies: list[dict[str, Any]]) -> list[float]:
    out = []
    for body in bodies:
        started = time.perf_counter()
        response = await http.post("/api/v1/advice", json=body)
        out.append((time.perf_counter() - started) * 1e6)
        assert response.status_code == 200, response.text
    return out


def summary(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "median_us": round(statistics.median(ordered), 1),
        "p95_us": round(ordered[int(0.95 * (len(ordered) - 1))], 1),
        "requests": len(ordered),
    }


async def http_rounds(
    http: httpx.AsyncClient,
    variants: dict[str, Callable[[], AbstractContextManager[Any]]],
    rounds: int,
    requests: int,
    offset: list[int],
) -> dict[str, dict[str, list[float]]]:
    results: dict[str, dict[str, list[float]]] = {"cached": {}, "uncached": {}}
    for number in range(rounds):
        order = list(variants.items())
        for name, variant in order if number % 2 == 0 else reversed(order):
            with variant():
                await latencies(http, [CACHED] * 50)  # warm up
                cached = await latencies(http, [CACHED] * requests)
                bodies = [
                    {"query": f"Monthly payment on a ${150_000 + i:,} loan? (case {i})"}
                    for i in range(offset[0], offset[0] + requests // 5)
                ]
                offset[0] += len(bodies)
                uncached = await latencies(http, bodies)
            results["cached"].setdefault(name, []).extend(cached)
            results["uncached"].setdefault(name, []).extend(uncached)
    return results


def enable_tracing() -> TracerProvider:
    provider = TracerProvider()
    provider.add_span_processor(tracing.RequestIdProcessor())
    provider.add_span_processor(BatchSpanProcessor(_DropExporter()))
    trace.set_tracer_provider(provider)
    tracing._trace_sql()
    return provider


async def run(rounds: int, requests: int) -> dict[str, Any]:
    configure_logging("WARNING")  # logs to stderr; stdout is the JSON alone
    micro = micro_off()
    with tempfile.TemporaryDirectory(prefix="apfa-bench-") as tmp:
        settings = await prepare(Path(tmp))
        app = create_app(settings, embedder=HashingEmbedder())
        async with app.router.lifespan_context(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://bench") as http:
                form = {"username": "bench-user", "password": PASSWORD}
                token = (await http.post("/token", data=form)).json()["access_token"]
                http.headers["Authorization"] = f"Bearer {token}"
                offset = [0]
                await http_rounds(http, {"warm_up": nullcontext}, 1, requests, offset)
                variants = {
                    "no_tracing_code": no_tracing_code,
                    "off": nullcontext,
                    "no_tracing_code_again": no_tracing_code,  # A/A: the noise floor
                }
                raw = await http_rounds(http, variants, rounds, requests, offset)
                provider = enable_tracing()
                micro |= micro_on()
                on = await http_rounds(http, {"on": nullcontext}, rounds, requests, offset)
                provider.shutdown()
    http_result: dict[str, Any] = {}
    for kind in ("cached", "uncached"):
        stats: dict[str, Any] = {n: summary(v) for n, v in (raw[kind] | on[kind]).items()}
        base = stats["no_tracing_code"]["median_us"]
        for name in ("off", "on", "no_tracing_code_again"):
            change = (stats[name]["median_us"] - base) / base * 100
            stats[f"{name}_vs_no_code_pct"] = round(change, 2)
        http_result[kind] = stats
    # Span sites per request: the request-id stamp always; on a cache miss also retrieval,
    # embedding, faiss.search and generation.
    span_cost = micro["span_tracing_off"] - micro["nullcontext_no_code"]
    estimate = {
        "cached": round(micro["request_id_stamp_tracing_off"] / 1000, 2),
        "uncached": round((micro["request_id_stamp_tracing_off"] + 4 * span_cost) / 1000, 2),
    }
    return {
        "python": platform.python_version(),
        "machine": platform.machine(),
        "micro_ns": micro,
        "estimated_off_overhead_us_per_request": estimate,
        "http": http_result,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--requests", type=int, default=1000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.rounds, args.requests)), indent=2))


if __name__ == "__main__":
    main()
