from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from apfa.auth.dependencies import IndexManager, RequirePermission
from apfa.auth.permissions import Permission
from apfa.auth.service import Principal
from apfa.jobs.system import TASK_SYSTEM, TaskSystem

CeleryViewer = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_VIEW))]
CeleryManager = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_MANAGE))]
IndexAdmin = IndexManager


async def get_task_system(request: Request) -> TaskSystem:
    return TASK_SYSTEM.of(request)


TaskSystemDep = Annotated[TaskSystem, Depends(get_task_system)]
