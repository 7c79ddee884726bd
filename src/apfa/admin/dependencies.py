from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import Depends, Request

from apfa.auth.dependencies import IndexManager, RequirePermission
from apfa.auth.permissions import Permission
from apfa.auth.service import Principal
from apfa.jobs.engine import TaskSystem

CeleryViewer = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_VIEW))]
CeleryManager = Annotated[Principal, Depends(RequirePermission(Permission.CELERY_MANAGE))]
IndexAdmin = IndexManager


async def get_task_system(request: Request) -> TaskSystem:
    return cast(TaskSystem, request.app.state.task_system)


TaskSystemDep = Annotated[TaskSystem, Depends(get_task_system)]


async def get_app_state(request: Request) -> Any:
    return request.app.state


AppStateDep = Annotated[Any, Depends(get_app_state)]
