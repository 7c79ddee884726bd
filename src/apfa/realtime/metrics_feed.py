"""The ``metrics`` room's snapshots, read from this process's Prometheus metrics.

Every interval: the HTTP request rate and p95 latency (``apfa_requests_total`` and the
``apfa_response_time_seconds`` buckets) and the advice cache hit rate
(``apfa_cache_hits_total`` / ``apfa_cache_misses_total``), each over the interval just
ended. The real-time channel's own HTTP traffic (long-polling) is left out: it would
report 25-second polls as API latency. p95 is interpolated within its bucket, as
Prometheus's ``histogram_quantile`` does.
"""

from __future__ import annotations

import asyncio
import math
import os
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import structlog
from prometheus_client import Metric

from apfa.events.sink import METRICS, METRICS_ROOM, EventSink
from apfa.observability import metrics

log = structlog.get_logger(__name__)

PROCESS = f"{socket.gethostname()}:{os.getpid()}"


@dataclass(frozen=True, slots=True)
class Totals:
    requests: float
    buckets: dict[float, float]  # upper bound -> cumulative count
    hits: float
    misses: float


def _samples(collected: Iterable[Metric], suffix: str) -> Iterable[tuple[dict[str, str], float]]:
    for metric in collected:
        for sample in metric.samples:
            if sample.name.endswith(suffix):
                yield sample.labels, sample.value


def read_totals(excluded_routes: frozenset[str]) -> Totals:
    requests = sum(
        value
        for labels, value in _samples(metrics.REQUESTS.collect(), "_total")
        if labels.get("route") not in excluded_routes
    )
    buckets: dict[float, float] = {}
    for labels, value in _samples(metrics.RESPONSE_TIME.collect(), "_bucket"):
        if labels.get("route") not in excluded_routes:
            bound = float(labels["le"])
            buckets[bound] = buckets.get(bound, 0.0) + value
    hits = sum(value for _, value in _samples(metrics.CACHE_HITS.collect(), "_total"))
    misses = sum(value for _, value in _samples(metrics.CACHE_MISSES.collect(), "_total"))
    return Totals(requests, buckets, hits, misses)


def quantile(q: float, buckets: dict[float, float]) -> float | None:
    """``q`` of the observations counted in cumulative ``buckets``; None when empty."""
    bounds = sorted(buckets)
    if not bounds or buckets[bounds[-1]] <= 0:
        return None
    rank = q * buckets[bounds[-1]]
    lower, below = 0.0, 0.0
    for bound in bounds:
        count = buckets[bound]
        if count >= rank:
            if math.isinf(bound):
                return lower  # beyond the largest finite bucket: its bound is all we know
            inside = count - below
            return lower + (bound - lower) * ((rank - below) / inside if inside else 1.0)
        lower, below = bound, count
    return lower


class MetricsSampler:
    def __init__(self, excluded_routes: frozenset[str] = frozenset()) -> None:
        self._excluded = excluded_routes
        self._last = read_totals(excluded_routes)
        self._last_at = time.monotonic()

    def snapshot(self) -> dict[str, Any]:
        """Figures for the interval since the previous snapshot (or construction)."""
        now, current = time.monotonic(), read_totals(self._excluded)
        elapsed = max(now - self._last_at, 1e-9)
        last, self._last, self._last_at = self._last, current, now
        requests = current.requests - last.requests
        window = {b: c - last.buckets.get(b, 0.0) for b, c in current.buckets.items()}
        p95 = quantile(0.95, window)
        hits, misses = current.hits - last.hits, current.misses - last.misses
        lookups = hits + misses
        return {
            "process": PROCESS,
            "timestamp": datetime.now(UTC).isoformat(),
            "interval_seconds": round(elapsed, 3),
            "requests": int(requests),
            "requests_per_second": round(requests / elapsed, 3),
            "p95_latency_ms": None if p95 is None else round(p95 * 1000, 2),
            "cache_hits": int(hits),
            "cache_misses": int(misses),
            "cache_hit_rate": round(hits / lookups, 4) if lookups else None,
        }


async def publish_metrics(sink: EventSink, sampler: MetricsSampler, interval: float) -> None:
    """Forever: one snapshot into the ``metrics`` room every ``interval`` seconds."""
    while True:
        await asyncio.sleep(interval)
        try:
            sink.publish(METRICS_ROOM, METRICS, sampler.snapshot())
        except Exception:
            log.exception("metrics_snapshot_failed")
