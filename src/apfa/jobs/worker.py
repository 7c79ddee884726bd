"""What runs inside a Celery worker process.

Each worker process (each prefork child) builds, on its first job, its own event loop,
database engine, Redis client, embedding model and ``TaskRuntime``; every job is then
``runtime.execute(row id)`` on that loop, exactly as in the embedded engine.
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
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
from apfa.jobs.spec import TaskSpec
from apfa.jobs.system import load_job_embedder
from apfa.providers.embeddings import Embedder

log = structlog.get_logger(__name__)

# Builds the embedder jobs use in this process (called on the first job that embeds).
EmbedderFactory = Callable[[Settings], Embedder]


@dataclass
class _Process:
    pid: int
    loop: asyncio.AbstractEventLoop
    runtime: TaskRuntime


_state: _Process | None = None
_lock = threading.Lock()


def _process(
    app: Celery, settings: Settings, catalogue: Catalogue, build: EmbedderFactory
) -> _Process:
    """This process's runtime, built after fork on first use."""
    global _state
    with _lock:
        if _state is None or _state.pid != os.getpid():
            loop = asyncio.new_event_loop()
            maker = create_sessionmaker(create_engine(settings))
            model: list[Embedder] = []

            def embedder() -> Embedder:
                if not model:
                    model.append(build(settings))
                return model[0]

            resources = Resources()
            if settings.redis_url:
                resources.provide(REDIS, connect_redis(settings.redis_url))
            runtime = TaskRuntime(
                settings,
                maker,
                process_sink(settings),
                engine="celery",
                registry=catalogue.registry,
                embedder=embedder,
                resources=resources,
            )
            runtime.bind(lambda task_id, spec, delay: send(app, task_id, spec, delay))
            _state = _Process(os.getpid(), loop, runtime)
        return _state


async def _record_scheduled(runtime: TaskRuntime, spec: TaskSpec) -> str:
    """Celery beat sends scheduled jobs without a row: make one, so they show up too."""
    row = records.new_record(spec, {}, max_retries=0, engine="celery", created_by="scheduler")
    async with session_scope(runtime.maker) as session:
        session.add(row)
    runtime.publish(records.payload(row))
    return row.id


def _register(
    app: Celery, settings: Settings, catalogue: Catalogue, spec: TaskSpec, build: EmbedderFactory
) -> None:
    def run(task_id: str | None = None) -> str | None:
        process = _process(app, settings, catalogue, build)
        loop, runtime = process.loop, process.runtime
        if task_id is None:
            task_id = loop.run_until_complete(_record_scheduled(runtime, spec))
        return loop.run_until_complete(runtime.execute(task_id))

    for name in spec.names:
        app.task(name=name, acks_late=True, reject_on_worker_lost=True)(run)


def create_worker_app(
    settings: Settings, catalogue: Catalogue, build: EmbedderFactory = load_job_embedder
) -> Celery:
    app = create_celery(settings, catalogue.schedules)
    for spec in catalogue.registry:
        _register(app, settings, catalogue, spec, build)
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
    app = create_worker_app(settings, catalogue, build)
    install_heartbeat(app, settings, queues, concurrency)
    argv = ["worker", "-Q", ",".join(queues), "-c", str(concurrency), "-P", pool]
    argv += ["--loglevel", loglevel, "-n", f"apfa-{pool}@%h-{os.getpid()}"]
    app.worker_main(argv)


def run_beat(settings: Settings, catalogue: Catalogue, loglevel: str) -> None:
    app = create_celery(settings, catalogue.schedules)
    schedule = settings.var_dir / "celerybeat-schedule"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])
