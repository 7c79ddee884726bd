"""Task specifications: name, queue, priority, limits and the async function to run.

Task functions live with their domain (``apfa.knowledge.jobs``) and register here with
``@task``; they take only JSON-serialisable ids and options, and must be idempotent: a
job delivered twice leaves one effect.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from apfa.tasks.context import TaskContext

# Queue -> broker priority (0..9, higher first). A worker on several queues takes
# embedding work before indexing before maintenance.
QUEUES: dict[str, int] = {"embedding": 9, "indexing": 7, "maintenance": 5}

TaskFunction = Callable[["TaskContext", dict[str, Any]], Awaitable[dict[str, Any] | None]]


class RetryableError(Exception):
    """A transient failure (a locked database, a broker hiccup): the job is retried with
    exponential backoff and jitter. Anything else fails the job at once."""


class TaskCancelled(Exception):
    """Raised inside a job when an operator revoked it; the job stops at its next
    progress report."""


@dataclass(frozen=True, slots=True)
class TaskSpec:
    name: str
    queue: str
    function: TaskFunction
    max_retries: int | None = None  # None: Settings.task_max_retries
    time_limit_seconds: int | None = None  # None: Settings.task_time_limit_seconds

    @property
    def priority(self) -> int:
        return QUEUES[self.queue]


REGISTRY: dict[str, TaskSpec] = {}


def task(
    name: str, *, queue: str, max_retries: int | None = None, time_limit: int | None = None
) -> Callable[[TaskFunction], TaskFunction]:
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def register(function: TaskFunction) -> TaskFunction:
        if name in REGISTRY and REGISTRY[name].function is not function:
            raise ValueError(f"task {name!r} registered twice")
        REGISTRY[name] = TaskSpec(name, queue, function, max_retries, time_limit)
        return function

    return register


def get_spec(name: str) -> TaskSpec:
    try:
        return REGISTRY[name]
    except KeyError:
        raise KeyError(f"no task named {name!r}") from None
