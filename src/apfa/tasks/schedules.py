"""Periodic jobs, shared by Celery beat and the embedded engine's scheduler.

Under the embedded engine every API process runs the scheduler; a job's id is derived
from its schedule slot, so when several processes fire the same slot only one row (and
one run) results.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import anyio
import structlog
from sqlalchemy.exc import IntegrityError

from apfa.core.db import session_scope
from apfa.tasks import records
from apfa.tasks.registry import get_spec
from apfa.tasks.runtime import TaskRuntime

log = structlog.get_logger(__name__)
SLOT_NAMESPACE = uuid.UUID("6f1d1c1e-7a7e-4bb8-9d1f-5a0c2f3f9a11")


@dataclass(frozen=True, slots=True)
class Schedule:
    task: str
    every_seconds: int | None = None  # fixed interval, or
    daily_at: tuple[int, int] | None = None  # (hour, minute) UTC


SCHEDULES: tuple[Schedule, ...] = (
    Schedule("cleanup_old_embeddings", daily_at=(2, 0)),
    Schedule("compute_index_stats", every_seconds=300),
)


def current_slot(schedule: Schedule, now: datetime) -> datetime:
    """The start of the slot ``now`` falls in."""
    if schedule.every_seconds:
        epoch = int(now.timestamp()) // schedule.every_seconds * schedule.every_seconds
        return datetime.fromtimestamp(epoch, UTC)
    assert schedule.daily_at is not None
    hour, minute = schedule.daily_at
    slot = now.replace(hour=hour, minute=minute, second=0, microsecond=0)
    return slot if slot <= now else slot - timedelta(days=1)


def next_slot(schedule: Schedule, now: datetime) -> datetime:
    if schedule.every_seconds:
        return current_slot(schedule, now) + timedelta(seconds=schedule.every_seconds)
    return current_slot(schedule, now) + timedelta(days=1)


def slot_task_id(schedule: Schedule, slot: datetime) -> str:
    return str(uuid.uuid5(SLOT_NAMESPACE, f"{schedule.task}@{slot.isoformat()}"))


async def fire(runtime: TaskRuntime, schedule: Schedule, slot: datetime) -> bool:
    """Record and enqueue this slot's job unless another process already did."""
    spec = get_spec(schedule.task)
    row = records.new_record(
        spec,
        {"scheduled_for": slot.isoformat()},
        max_retries=0,
        engine=runtime.engine,
        created_by="scheduler",
        task_id=slot_task_id(schedule, slot),
    )
    try:
        async with session_scope(runtime.maker) as session:
            session.add(row)
    except IntegrityError:
        return False
    runtime.publish(records.payload(row))
    runtime.enqueue(row.id, spec)
    return True


async def run_scheduler(runtime: TaskRuntime) -> None:
    while True:
        now = datetime.now(UTC)
        upcoming = min(next_slot(s, now) for s in SCHEDULES)
        await anyio.sleep(max((upcoming - now).total_seconds(), 0.05))
        now = datetime.now(UTC)
        for schedule in SCHEDULES:
            slot = current_slot(schedule, now)
            if abs((now - slot).total_seconds()) < 60:
                try:
                    await fire(runtime, schedule, slot)
                except Exception as exc:
                    log.warning("schedule_fire_failed", task=schedule.task, error=str(exc))
