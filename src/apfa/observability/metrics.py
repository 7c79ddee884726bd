"""Every Prometheus metric APFA exports, declared once, prefixed ``apfa_``."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)

REQUESTS = Counter(
    "apfa_requests_total", "HTTP requests by route template", ["method", "route", "status"]
)
RESPONSE_TIME = Histogram(
    "apfa_response_time_seconds",
    "HTTP response time by route template",
    ["method", "route"],
    buckets=LATENCY_BUCKETS,
)
ADVICE = Counter("apfa_advice_total", "Advice answers served", ["provider", "cached"])
CACHE_HITS = Counter("apfa_cache_hits_total", "Cache hits", ["tier"])
CACHE_MISSES = Counter("apfa_cache_misses_total", "Cache misses", ["tier"])
FAISS_SEARCH = Histogram(
    "apfa_faiss_search_seconds", "Vector search time per query", buckets=FAST_BUCKETS
)
EMBEDDING = Histogram(
    "apfa_embedding_seconds",
    "Time to embed one batch of texts",
    ["kind"],
    buckets=LATENCY_BUCKETS,
)
INDEX_VERSION = Gauge("apfa_index_version", "Index version served by this process")
INDEX_VECTORS = Gauge("apfa_index_vectors", "Vectors in the index version served")
