"""The jobs and schedules a process knows, registered explicitly by the front door.

A ``Catalogue`` is built from the ``TASKS`` and ``SCHEDULES`` each domain declares in its
``tasks.py``; the engines, the sweeper, the Celery worker and beat all read it. A job is
found by its name or by any of its aliases (names it had before), so rows and broker
messages written under an older name still run.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from apfa.jobs.spec import TaskSpec


@dataclass(frozen=True, slots=True)
class Schedule:
    """A periodic job: every ``every_seconds``, or daily at ``daily_at`` (hour, minute) UTC."""

    task: TaskSpec
    every_seconds: int | None = None
    daily_at: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if (self.every_seconds is None) == (self.daily_at is None):
            raise ValueError("a schedule has either every_seconds or daily_at")


class TaskRegistry:
    def __init__(self, specs: Iterable[TaskSpec] = ()) -> None:
        self._specs: dict[str, TaskSpec] = {}
        self._by_name: dict[str, TaskSpec] = {}
        for spec in specs:
            self.register(spec)

    def register(self, spec: TaskSpec) -> TaskSpec:
        for name in spec.names:
            known = self._by_name.get(name)
            if known is not None and known is not spec:
                raise ValueError(f"job name {name!r} is registered twice")
        self._specs[spec.name] = spec
        for name in spec.names:
            self._by_name[name] = spec
        return spec

    def get(self, name: str) -> TaskSpec:
        """The job named ``name`` (or aliased so); KeyError when there is none."""
        try:
            return self._by_name[name]
        except KeyError:
            raise KeyError(f"no job named {name!r}") from None

    def find(self, name: str) -> TaskSpec | None:
        return self._by_name.get(name)

    def __iter__(self) -> Iterator[TaskSpec]:
        return iter(self._specs.values())

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def names(self) -> list[str]:
        """Every name a job answers to, aliases included, sorted."""
        return sorted(self._by_name)


@dataclass(frozen=True, slots=True)
class Catalogue:
    registry: TaskRegistry
    schedules: tuple[Schedule, ...] = ()

    @classmethod
    def of(cls, tasks: Iterable[TaskSpec], schedules: Iterable[Schedule] = ()) -> Catalogue:
        registry = TaskRegistry(tasks)
        listed = tuple(schedules)
        for schedule in listed:
            if registry.find(schedule.task.name) is not schedule.task:
                raise ValueError(f"scheduled job {schedule.task.name!r} is not registered")
        return cls(registry, listed)
