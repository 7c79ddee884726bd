"""What runs inside a Celery worker process.

Each worker process (each prefork child) builds, on its first job, its own event loop,
database engine, embedding model and ``TaskRuntime``; every job is then
``runtime.execute(row id)`` on that loop, exactly as in the embedded engine.
"""

from __future__ import annotations

import asyncio
import os
import threading
from dataclasses import dataclass

import structlog
from celery import Celery

import apfa.jobs  # noqa: F401 - registers the job bodies
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.events.factory import process_sink
from apfa.jobs.engine import job_embedder_for
from apfa.providers.embeddings import Embedder, SentenceTransformerEmbedder, share_the_interpreter
from apfa.tasks import records
from apfa.tasks.registry import REGISTRY, TaskSpec
from apfa.tasks.runtime import TaskRuntime
from apfa.workers.celery_app import create_celery, send

log = structlog.get_logger(__name__)


@dataclass
class _Process:
    pid: int
    loop: asyncio.AbstractEventLoop
    runtime: TaskRuntime


_state: _Process | None = None
_lock = threading.Lock()


def _process(app: Celery, settings: Settings) -> _Process:
    """This process's runtime, built after fork on first use."""
    global _state
    with _lock:
        if _state is None or _state.pid != os.getpid():
            loop = asyncio.new_event_loop()
            engine = create_engine(settings)
            maker = create_sessionmaker(engine)
            model: list[Embedder] = []

            def embedder() -> Embedder:
                if not model:
                    share_the_interpreter(settings.gil_switch_interval_ms)
                    local = SentenceTransformerEmbedder(device=settings.embedding_device)
                    model.append(job_embedder_for(settings, local))
                return model[0]

            runtime = TaskRuntime(
                settings, maker, process_sink(settings), engine="celery", embedder=embedder
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


def _register(app: Celery, settings: Settings, spec: TaskSpec) -> None:
    def run(task_id: str | None = None) -> str | None:
        process = _process(app, settings)
        loop, runtime = process.loop, process.runtime
        if task_id is None:
            task_id = loop.run_until_complete(_record_scheduled(runtime, spec))
        return loop.run_until_complete(runtime.execute(task_id))

    app.task(name=spec.name, acks_late=True, reject_on_worker_lost=True)(run)


def create_worker_app(settings: Settings | None = None) -> Celery:
    settings = settings or Settings()
    app = create_celery(settings)
    for spec in REGISTRY.values():
        _register(app, settings, spec)
    return app


def run_worker(
    settings: Settings, queues: list[str], concurrency: int, pool: str, loglevel: str
) -> None:
    app = create_worker_app(settings)
    from apfa.workers.heartbeat import install as install_heartbeat

    install_heartbeat(app, settings, queues, concurrency)
    argv = ["worker", "-Q", ",".join(queues), "-c", str(concurrency), "-P", pool]
    argv += ["--loglevel", loglevel, "-n", f"apfa-{pool}@%h-{os.getpid()}"]
    app.worker_main(argv)


def run_beat(settings: Settings, loglevel: str) -> None:
    app = create_worker_app(settings)
    schedule = settings.var_dir / "celerybeat-schedule"
    settings.var_dir.mkdir(parents=True, exist_ok=True)
    app.start(["beat", "--loglevel", loglevel, "--schedule", str(schedule)])
