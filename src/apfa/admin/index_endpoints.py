"""Index versions: list, rebuild, activate (also rollback). Seed paths ``/api/admin/index``."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from apfa.admin.dependencies import CeleryViewer, IndexAdmin, TaskSystemDep
from apfa.admin.schemas import ActivatedOut, IndexVersionOut, IndexVersionsOut, JobAccepted
from apfa.audit import service as audit
from apfa.auth.context import actor_of
from apfa.core.config import SETTINGS
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.dependencies import SessionDep
from apfa.core.objectstore import object_store
from apfa.core.pagination import RowId
from apfa.core.redis import REDIS
from apfa.events.sink import EVENTS
from apfa.knowledge import service
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.versions import activate_everywhere
from apfa.knowledge.tasks import BUILD_INDEX
from apfa.models import IndexVersion

router = APIRouter(tags=["admin: index"])


def _version(row: IndexVersion) -> IndexVersionOut:
    return IndexVersionOut(
        id=row.id,
        status=row.status,
        active=row.is_active,
        created_at=row.created_at.isoformat(),
        activated_at=row.activated_at.isoformat() if row.activated_at else None,
        vectors=row.vector_count,
        documents=row.document_count,
        model=row.model,
        dim=row.dim,
        index_type=row.index_type,
        checksum=row.checksum,
        build_seconds=row.build_seconds,
        error=row.error,
    )


@router.get("/api/admin/index", response_model=IndexVersionsOut)
async def list_versions(_: CeleryViewer, session: SessionDep, request: Request) -> IndexVersionsOut:
    """Every version, newest first, the one this process serves and the one it has loaded
    ahead of its activation."""
    holder = INDEX_HOLDER.of(request)
    current, staged = holder.current, holder.staged
    return IndexVersionsOut(
        items=[_version(row) for row in await service.list_versions(session)],
        served_version=current.version if current is not None else None,
        staged_version=staged.version if staged is not None else None,
    )


@router.post(
    "/api/admin/index/rebuild", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED
)
async def rebuild(principal: IndexAdmin, request: Request, system: TaskSystemDep) -> JobAccepted:
    """Build a new version from the current corpus and activate it when it is ready."""
    async with session_scope(SESSIONMAKER.of(request)) as session:
        row = await system.runtime.submit(
            session, BUILD_INDEX, {"activate": True}, created_by=principal.username
        )
        await audit.record(
            session,
            actor_of(request, principal),
            "index_rebuild_started",
            target_type="task",
            target_id=row.id,
        )
    return JobAccepted(job_id=row.id, state=row.state)


@router.post("/api/admin/index/{version}/activate", response_model=ActivatedOut)
async def activate(version: RowId, principal: IndexAdmin, request: Request) -> ActivatedOut:
    """Serve VERSION from now on in every API process (a rollback is activating an older
    one). Requests already running finish on the version they started with."""
    maker = SESSIONMAKER.of(request)
    loaded = await activate_everywhere(
        maker,
        SETTINGS.of(request).index_dir,
        version,
        holder=INDEX_HOLDER.of(request),
        redis=REDIS.find_in(request),
        events=EVENTS.of(request),
        store=object_store(SETTINGS.of(request)),
    )
    await audit.record_now(
        maker,
        actor_of(request, principal),
        "index_activate",
        target_type="index_version",
        target_id=version,
    )
    return ActivatedOut(version=version, active=True, vectors=len(loaded))
