"""Index versions: list, rebuild, activate (also rollback). Seed paths ``/api/admin/index``."""

from __future__ import annotations

from fastapi import APIRouter, Request, status

from apfa.admin.dependencies import CeleryViewer, IndexAdmin, TaskSystemDep
from apfa.admin.schemas import ActivatedOut, IndexVersionOut, IndexVersionsOut, JobAccepted
from apfa.audit import service as audit
from apfa.auth.context import actor_of
from apfa.core.db import session_scope
from apfa.core.dependencies import SessionDep
from apfa.knowledge import service
from apfa.knowledge.publishing import activate_everywhere
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
    holder = request.app.state.index_holder
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
    async with session_scope(request.app.state.sessionmaker) as session:
        row = await system.runtime.submit(
            session, "build_faiss_index", {"activate": True}, created_by=principal.username
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
async def activate(version: int, principal: IndexAdmin, request: Request) -> ActivatedOut:
    """Serve VERSION from now on in every API process (a rollback is activating an older
    one). Requests already running finish on the version they started with."""
    state = request.app.state
    loaded = await activate_everywhere(
        state.sessionmaker,
        state.settings.index_dir,
        version,
        holder=state.index_holder,
        redis_url=state.settings.redis_url,
        events=state.events,
    )
    await audit.record_now(
        state.sessionmaker,
        actor_of(request, principal),
        "index_activate",
        target_type="index_version",
        target_id=version,
    )
    return ActivatedOut(version=version, active=True, vectors=len(loaded))
