"""What runs inside a Celery worker process, in any pool (prefork, threads, solo).

Each worker thread builds, on its first job, its own event loop, database engine, Redis
client and ``TaskRuntime``; the embedding model is one per process. Every job is then
``runtime.execute(row id)`` on that loop, exactly as in the embedded engine.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import structlog
from celery import Celery

from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.redis import REDIS, connect_redis
from apfa.core.resources import Resources
from apfa.events.factory import process_sink
from apfa.jobs import records
from apfa.jobs.celery_app import create_celery, send
from apfa.jobs.heartbeat import install as install_heartbeat
from apfa.jobs.registry import Catalogue
from apfa.jobs.runtime import TaskRuntime
from apfa.jobs.spec import QUEUES, TaskSpec
from apfa.jobs.system import load_job_embedder
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)

# Builds the embedder jobs use in this process.
EmbedderFactory = Callable[[Settings], Embedder]
# The queues whose jobs use the model (embedding, and the index builds, which need its
# name and dimension).
MODEL_QUEUES = frozenset({"embedding", "indexing"})


@dataclass
class _Runner:
    """What runs jobs in one thread of one worker process: an event loop and a runtime
    with its own database engine and Redis client (both bound to that loop)."""

    pid: int
    loop: asyncio.AbstractEventLoop
    runtime: TaskRuntime


class _Model:
    """The process's embedder, shared by its threads and built once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._pid = 0
        self._model: Embedder | None = None

    def get(self, settings: Settings, build: EmbedderFactory) -> Embedder:
        with self._lock:
            if self._model is None or self._pid != os.getpid():
                self._model, self._pid = build(settings), os.getpid()
            return self._model


_model = _Model()
_local = threading.local()


def _runner(
    app: Celery, settings: Settings, catalogue: Catalogue, build: EmbedderFactory, eager: bool
) -> _Runner:
    """This thread's runner, built after fork on its first job. Each thread of a
    ``threads`` pool gets its own loop; the prefork and solo pools have one thread per
    process. With ``eager`` (a worker on a queue whose jobs embed or build) the model is
    loaded here, before that first job is claimed, so loading it cannot hold up the job's
    heartbeats."""
    runner: _Runner | None = getattr(_local, "runner", None)
    if runner is not None and runner.pid == os.getpid():
        return runner
    if eager:
        _model.get(settings, build)
    resources = Resources()
    if settings.redis_url:
        resources.provide(REDIS, connect_redis(settings.redis_url))
    runtime = TaskRuntime(
        settings,
        create_sessionmaker(create_engine(settings)),
        process_sink(settings),
        engine="celery",
        registry=catalogue.registry,
        embedder=lambda: _model.get(settings, build),
        resources=resources,
    )
    runtime.bind(lambda task_id, spec, delay: send(app, task_id, spec, delay))
    runner = _Runner(os.getpid(), asyncio.new_event_loop(), runtime)
    _local.runner = runner
    return runner


async def _record_scheduled(runtime: TaskRuntime, spec: TaskSpec) -> str:
    """Celery beat sends scheduled jobs without a row: make one, so they show up too."""
    row = records.new_record(spec, {}, max_retries=0, engine="celery", created_by="scheduler")
    async with session_scope(runtime.maker) as session:
        session.add(row)
    runtime.publish(records.payload(row))
    return row.id


def _register(
    app: Celery,
    settings: Settings,
    catalogue: Catalogue,
    spec: TaskSpec,
    build: EmbedderFactory,
    eager: bool,
) -> None:
    def run(task_id: str | None = None) -> str | None:
        runner = _runner(app, settings, catalogue, build, eager)
        loop, runtime = runner.loop, runner.runtime
        if task_id is None:
            task_id = loop.run_until_complete(_record_scheduled(runtime, spec))
        return loop.run_until_complete(runtime.execute(task_id))

    for name in spec.names:
        app.task(name=name, acks_late=True, reject_on_worker_lost=True)(run)


def create_worker_app(
    settings: Settings,
    catalogue: Catalogue,
    build: EmbedderFactory = load_job_embedder,
    queues: Sequence[str] = tuple(QUEUES),
) -> Celery:
    app = create_celery(settings, catalogue.schedules)
    eager = bool(MODEL_QUEUES & set(queues))
    for spec in catalogue.registry:
        _register(app, settings, catalogue, spec, build, eager)
    return app


def run_worker(
    settings: Settings,
    catalogue: Catalogue,
    *,
    build: EmbedderFactory = load_job_embedder,
    queues: list[str],
    concurrency: int,
    pool: str,
    loglevel: str,
) -> None:
    app = create_worker_app(settings, catalogue, build, queues)
    install_heartbeat(app, settings, queues, concurrency)
    argv = ["worker", "-Q", ",".join(queues), "-c", str(concurrency), "-P", pool]
    argv += ["--loglevel", loglevel, "-n", f"apfa-{pool}@%h-{os.getpid()}"]
    app.worker_main(argv)


def run_beat(settings: Settings, catalogue: Catalogue, loglevel: str) -> None:
    app = create_celery(settings, catalogue.schedules)
    schedule = settings.var_dir / "celerybeat-schedule"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])
