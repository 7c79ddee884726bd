"""Metrics snapshots come from the real Prometheus counters of this process."""

from __future__ import annotations

import math

import httpx
import pytest

from apfa.observability import metrics
from apfa.realtime.metrics_feed import MetricsSampler, quantile


def test_quantile_interpolates_within_the_bucket() -> None:
    # 10 observations: 5 up to 0.1 s, 5 more up to 0.5 s.
    buckets = {0.1: 5.0, 0.5: 10.0, math.inf: 10.0}
    assert quantile(0.5, buckets) == pytest.approx(0.1)
    assert quantile(0.95, buckets) == pytest.approx(0.1 + 0.4 * (9.5 - 5) / 5)
    assert quantile(0.95, {0.1: 0.0, math.inf: 0.0}) is None
    assert quantile(0.95, {0.1: 1.0, math.inf: 4.0}) == 0.1  # beyond the last finite bound


async def test_snapshot_counts_requests_and_cache_lookups_since_the_last(
    client: httpx.AsyncClient,
) -> None:
    sampler = MetricsSampler(frozenset({"/ws/socket.io"}))
    for _ in range(7):
        assert (await client.get("/health")).status_code == 200
    metrics.CACHE_HITS.labels("l1").inc(3)
    metrics.CACHE_MISSES.labels("l1").inc(1)
    snapshot = sampler.snapshot()
    assert snapshot["requests"] == 7
    assert snapshot["requests_per_second"] > 0
    assert 0 < snapshot["p95_latency_ms"] < 5000
    assert snapshot["cache_hits"] == 3
    assert snapshot["cache_hit_rate"] == 0.75
    quiet = sampler.snapshot()
    assert quiet["requests"] == 0
    assert quiet["p95_latency_ms"] is None
    assert quiet["cache_hit_rate"] is None
