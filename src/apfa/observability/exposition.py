"""The ``/metrics`` exposition, for one process or aggregated over several.

With ``PROMETHEUS_MULTIPROC_DIR`` set (``apfa serve --workers N`` sets it), every worker
writes its samples to files there and any worker answering a scrape sums them all with
``MultiProcessCollector``. A process that exits cleanly marks itself dead, so the "live"
gauge modes stop counting it.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, generate_latest, multiprocess
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from apfa.observability import metrics

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

_pool_checked_out = metrics.DB_POOL.labels("checked_out")


def multiprocess_dir() -> str | None:
    return os.environ.get(MULTIPROC_ENV) or None


def render() -> bytes:
    """Every metric in Prometheus text format 0.0.4."""
    directory = multiprocess_dir()
    if directory is None:
        return generate_latest()
    registry = CollectorRegistry()
    multiprocess.MultiProcessCollector(registry, path=directory)  # type: ignore[no-untyped-call]
    return generate_latest(registry)


def clear_multiprocess_dir(directory: Path) -> None:
    """Create the directory, or empty it of files left by processes of an earlier run."""
    directory.mkdir(parents=True, exist_ok=True)
    for stale in directory.glob("*.db"):
        stale.unlink()


@contextmanager
def multiprocess_metrics(workers: int) -> Iterator[None]:
    """Around serving with several workers: a shared directory, set in the environment
    before they start (prometheus_client reads it at import). The operator's own
    ``PROMETHEUS_MULTIPROC_DIR`` is emptied and kept; otherwise a fresh one is removed after.
    """
    given = multiprocess_dir()
    if workers <= 1:
        yield
        return
    if given is not None:
        clear_multiprocess_dir(Path(given))
        yield
        return
    directory = tempfile.mkdtemp(prefix="apfa-metrics-")
    os.environ[MULTIPROC_ENV] = directory
    try:
        yield
    finally:
        os.environ.pop(MULTIPROC_ENV, None)
        shutil.rmtree(directory, ignore_errors=True)


def start_process_metrics(engine: AsyncEngine) -> None:
    """Track this process's database pool and, in multiprocess mode, its exit."""
    pool = engine.sync_engine.pool
    publish_pool(engine)
    if not event.contains(pool, "checkout", _on_checkout):
        event.listen(pool, "checkout", _on_checkout)
        event.listen(pool, "checkin", _on_checkin)
    if multiprocess_dir() is not None:
        atexit.register(multiprocess.mark_process_dead, os.getpid())


def publish_pool(engine: AsyncEngine) -> None:
    """Set the pool gauges from the pool itself (at start-up and at every scrape)."""
    pool: Any = engine.sync_engine.pool
    size, checked_out = getattr(pool, "size", None), getattr(pool, "checkedout", None)
    if not callable(size) or not callable(checked_out):
        return  # not a bounded pool (e.g. NullPool): nothing to saturate
    overflow = int(getattr(pool, "_max_overflow", 0))
    capacity = float("inf") if overflow < 0 else float(size() + overflow)
    _pool_checked_out.set(checked_out())
    metrics.DB_POOL.labels("size").set(size())
    metrics.DB_POOL.labels("capacity").set(capacity)


# Between scrapes the events keep the count current in every process, which matters in
# multiprocess mode, where a scrape only refreshes the process that answers it.
def _on_checkout(_dbapi: Any, _record: Any, _proxy: Any) -> None:
    _pool_checked_out.inc()


def _on_checkin(_dbapi: Any, _record: Any) -> None:
    _pool_checked_out.dec()
