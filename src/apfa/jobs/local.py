"""The embedded engine: jobs run inside ``apfa serve`` by priority.

Worker coroutines on the server's event loop take job ids from a priority queue; the
heavy parts of every job (parsing, embedding, index builds) run in worker threads, so
the loop keeps serving requests. Jobs are the same functions, with the same records and
events, as under Celery.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import time

import structlog

from apfa.jobs.runtime import TaskRuntime
from apfa.jobs.spec import TaskSpec

log = structlog.get_logger(__name__)


class LocalEngine:
    name = "local"

    def __init__(self, runtime: TaskRuntime, workers: int) -> None:
        self._runtime = runtime
        self._workers = workers
        self._queue: asyncio.PriorityQueue[tuple[int, int, str]] = asyncio.PriorityQueue()
        self._order = itertools.count()
        self._tasks: list[asyncio.Task[None]] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._busy = 0
        self.started_at = time.time()
        self.last_beat = time.time()
        runtime.bind(self.enqueue)

    @property
    def concurrency(self) -> int:
        return self._workers

    @property
    def busy(self) -> int:
        return self._busy

    @property
    def alive(self) -> bool:
        return bool(self._tasks) and not all(task.done() for task in self._tasks)

    def depth(self) -> int:
        return self._queue.qsize()

    def enqueue(self, task_id: str, spec: TaskSpec, delay: float = 0.0) -> None:
        """Thread-safe; ``delay`` seconds later for a retry."""
        loop = self._loop
        if loop is None:
            raise RuntimeError("the local task engine is not running")
        item = (-spec.priority, next(self._order), task_id)
        if delay > 0:
            loop.call_soon_threadsafe(loop.call_later, delay, self._queue.put_nowait, item)
        else:
            loop.call_soon_threadsafe(self._queue.put_nowait, item)

    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [
            asyncio.create_task(self._work(), name=f"task-worker-{n}") for n in range(self._workers)
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._loop = None

    async def _work(self) -> None:
        while True:
            self.last_beat = time.time()
            _, _, task_id = await self._queue.get()
            self._busy += 1
            try:
                await self._runtime.execute(task_id)
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # a bug in the runtime must not kill the worker
                log.exception("task_worker_error", task_id=task_id, error=str(exc))
            finally:
                self._busy -= 1
                self._queue.task_done()
                self.last_beat = time.time()
