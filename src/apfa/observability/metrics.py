"""Every Prometheus metric APFA exports, declared once, prefixed ``apfa_``."""

from __future__ import annotations

from functools import cache
from typing import TypeVar

from prometheus_client import Counter, Gauge, Histogram
from prometheus_client.metrics import MetricWrapperBase

Metric = TypeVar("Metric", bound=MetricWrapperBase)

LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.25, 0.5, 1.0, 2.0, 5.0, 10.0)
FAST_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1.0)
EMBEDDING_BUCKETS = (0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
TASK_BUCKETS = (0.1, 0.5, 1.0, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0, 3600.0)

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
CACHE_ERRORS = Counter(
    "apfa_cache_errors_total",
    "Cache tier operations that failed, timed out or were skipped by an open breaker",
    ["tier", "operation"],
)
FAISS_SEARCH = Histogram(
    "apfa_faiss_search_seconds", "Vector search time per query", buckets=FAST_BUCKETS
)
EMBEDDING = Histogram(
    "apfa_embedding_seconds",
    "Time to embed one batch of texts (kind: query or document)",
    ["kind"],
    buckets=EMBEDDING_BUCKETS,
)

# Gauges say how several worker processes combine (Prometheus multiprocess mode); the
# "live" modes drop a process's values once it has exited.
INDEX_VERSION = Gauge("apfa_index_version", "Index version served", multiprocess_mode="livemax")
INDEX_VECTORS = Gauge(
    "apfa_index_vectors", "Vectors in the index version served", multiprocess_mode="livemax"
)
RATE_LIMIT_STORAGE_ERRORS = Counter(
    "apfa_rate_limit_storage_errors_total",
    "Rate-limit checks allowed without a verdict because the limit storage was unreachable",
)
INDEX_BUILT = Gauge(
    "apfa_index_built_timestamp_seconds",
    "When the index version served was built (Unix time); the oldest across processes",
    multiprocess_mode="livemin",
)
INDEX_FETCHES = Counter(
    "apfa_index_fetches_total",
    "Index versions fetched from the object store by outcome: fetched, refused (missing"
    " or not matching their checksums; the process stays on its version) or failed",
    ["outcome"],
)
INDEX_FETCH_SECONDS = Histogram(
    "apfa_index_fetch_seconds",
    "Time to download and verify one index version from the object store",
    buckets=(0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0),
)
DB_POOL = Gauge(
    "apfa_db_pool_connections",
    "Database pool connections: checked_out, size (kept open) and capacity (with overflow)",
    ["state"],
    multiprocess_mode="livesum",
)

# Background jobs: declared here for the task system, updated by its workers.
TASK_DURATION = Histogram(
    "apfa_task_duration_seconds",
    "Background task run time",
    ["task", "queue"],
    buckets=TASK_BUCKETS,
)
TASKS = Counter("apfa_tasks_total", "Background tasks by final state", ["task", "state"])
QUEUE_DEPTH = Gauge(
    "apfa_queue_depth", "Tasks waiting in a queue", ["queue"], multiprocess_mode="livemax"
)

# LLM providers and circuit breakers; a breaker's state is the worst across processes.
CIRCUIT_BREAKER_STATE = Gauge(
    "apfa_circuit_breaker_state",
    "Circuit breaker state: 0 closed, 1 half-open, 2 open",
    ["name"],
    multiprocess_mode="livemax",
)
LLM_REQUESTS = Counter(
    "apfa_llm_requests_total", "LLM generation calls by outcome", ["provider", "outcome"]
)
LLM_TOKENS = Counter("apfa_llm_tokens_total", "LLM tokens used", ["provider", "kind"])
LLM_COST = Counter(
    "apfa_llm_cost_usd_total", "Estimated LLM cost from configured prices", ["provider"]
)
LLM_REJECTED = Counter(
    "apfa_llm_rejected_total", "LLM answers rejected by figure/citation checks", ["provider"]
)
LLM_AGENT_RUNS = Counter(
    "apfa_llm_agent_runs_total",
    "LLM agent exchanges by outcome (answered, rejected, timeout, step_limit, "
    "bad_tool_calls, provider_error)",
    ["provider", "outcome"],
)
LLM_TOOL_CALLS = Counter(
    "apfa_llm_tool_calls_total",
    "Tool calls made by LLM agents, by tool and outcome",
    ["tool", "outcome"],
)


@cache
def series(metric: Metric, *labels: str) -> Metric:
    """``metric.labels(*labels)``, looked up once per label set: for counters updated on
    every request, where ``labels()`` (validation and a lock) costs more than the update.
    Only for label values from a small fixed set (tiers, providers, flags)."""
    return metric.labels(*labels)
