"""Periodic jobs, shared by Celery beat and the embedded engine's scheduler.

The schedules themselves are declared by the domains (``Schedule`` in ``jobs.registry``).
Under the embedded engine every API process runs the scheduler; a job's id is derived
from its schedule slot, so when several processes fire the same slot only one row (and
one run) results.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import anyio
import structlog
from sqlalchemy.exc import IntegrityError

from apfa.core.db import session_scope
from apfa.jobs import records
from apfa.jobs.registry import Schedule
from apfa.jobs.runtime import TaskRuntime

log = structlog.get_logger(__name__)
SLOT_NAMESPACE = uuid.UUID("6f1d1c1e-7a7e-4bb8-9d1f-5a0c2f3f9a11")


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
    return str(uuid.uuid5(SLOT_NAMESPACE, f"{schedule.task.name}@{slot.isoformat()}"))


async def fire(runtime: TaskRuntime, schedule: Schedule, slot: datetime) -> bool:
    """Record and enqueue this slot's job unless another process already did."""
    spec = schedule.task
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


async def run_scheduler(runtime: TaskRuntime, schedules: Sequence[Schedule]) -> None:
    if not schedules:
        return
    while True:
        now = datetime.now(UTC)
        upcoming = min(next_slot(s, now) for s in schedules)
        await anyio.sleep(max((upcoming - now).total_seconds(), 0.05))
        now = datetime.now(UTC)
        for schedule in schedules:
            slot = current_slot(schedule, now)
            if abs((now - slot).total_seconds()) < 60:
                try:
                    await fire(runtime, schedule, slot)
                except Exception as exc:
                    log.warning("schedule_fire_failed", task=schedule.task.name, error=str(exc))
