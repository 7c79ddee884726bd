"""The Celery application (APFA_TASK_BACKEND=celery, Redis broker).

Each registered job becomes a Celery task under its name and each of its aliases, whose
only argument is the ``background_tasks`` row id; the worker runs it with the same
``TaskRuntime`` as the embedded engine. Delivery is at-least-once (late acks, reject on
worker loss) and the runtime's conditional claim makes a second delivery a no-op.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from celery import Celery
from celery.schedules import crontab
from kombu import Exchange, Queue

from apfa.core.config import Settings
from apfa.jobs.registry import Schedule
from apfa.jobs.spec import QUEUES, TaskSpec

KEY_PREFIX = "apfa"


def celery_config(settings: Settings, schedules: Sequence[Schedule] = ()) -> dict[str, Any]:
    time_limit = settings.task_time_limit_seconds
    beat: dict[str, Any] = {}
    for schedule in schedules:
        every: Any
        if schedule.every_seconds:
            every = timedelta(seconds=schedule.every_seconds)
        else:
            assert schedule.daily_at is not None
            every = crontab(hour=schedule.daily_at[0], minute=schedule.daily_at[1])
        beat[schedule.task.name] = {"task": schedule.task.name, "schedule": every}
    return {
        "broker_url": settings.redis_url,
        "broker_connection_retry_on_startup": True,
        "broker_transport_options": {
            # Above the longest task, or a running job would be delivered again.
            "visibility_timeout": settings.celery_visibility_timeout_seconds,
            "queue_order_strategy": "priority",
            "priority_steps": list(range(10)),
            "sep": ":",
            "global_keyprefix": f"{KEY_PREFIX}:",
        },
        "task_queues": [Queue(name, Exchange(name), routing_key=name) for name in QUEUES],
        "task_default_queue": "maintenance",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": True,
        "worker_prefetch_multiplier": 1,
        "task_time_limit": time_limit + 60,
        "task_soft_time_limit": time_limit,
        "task_ignore_result": True,
        "result_backend": None,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_send_task_events": True,
        "task_send_sent_event": True,
        "worker_hijack_root_logger": False,
        "timezone": "UTC",
        "enable_utc": True,
        "beat_schedule": beat,
    }


def create_celery(settings: Settings, schedules: Sequence[Schedule] = ()) -> Celery:
    if not settings.redis_url:
        raise ValueError("APFA_TASK_BACKEND=celery needs APFA_REDIS_URL (the broker)")
    app = Celery("apfa")
    app.conf.update(celery_config(settings, schedules))
    return app


def send(app: Celery, task_id: str, spec: TaskSpec, delay: float = 0.0) -> None:
    """Publish one job: its own queue and priority, the row id as the only argument."""
    app.send_task(
        spec.name,
        args=[task_id],
        task_id=task_id,
        queue=spec.queue,
        priority=spec.priority,
        countdown=delay or None,
    )
