"""The advice domain's jobs: prune stored answers that no history row uses any more."""

from __future__ import annotations

from typing import Any

from apfa.advice import service
from apfa.core.db import session_scope
from apfa.jobs.registry import Schedule
from apfa.jobs.spec import TaskContext, TaskSpec


async def prune_answers(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Daily: delete stored answers that no history row refers to and none used lately."""
    async with session_scope(ctx.maker) as session:
        removed = await service.prune_answers(session)
    return {"advice_answers_removed": removed}


PRUNE_ANSWERS = TaskSpec("advice.prune_answers", "maintenance", prune_answers)

TASKS = (PRUNE_ANSWERS,)
SCHEDULES = (Schedule(PRUNE_ANSWERS, daily_at=(2, 5)),)
