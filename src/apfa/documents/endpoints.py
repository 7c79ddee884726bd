"""Knowledge-base documents (admin:index:manage): upload, list, read, delete."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import JSONResponse

from apfa.audit import service as audit
from apfa.auth.context import actor_of
from apfa.auth.dependencies import IndexManager
from apfa.core.db import SESSIONMAKER, after_commit
from apfa.core.dependencies import SessionDep, SettingsDep
from apfa.core.errors import NotFound, error_body
from apfa.core.pagination import Cursor, Limit
from apfa.core.ratelimit import enforce
from apfa.documents import service
from apfa.documents.exceptions import status_for
from apfa.documents.flows import Uploader, UploadOutcome
from apfa.documents.schemas import DocumentPage, DocumentRead, DocumentStatus, UploadResponse
from apfa.documents.storage import upload_store
from apfa.jobs.runtime import TaskRuntime
from apfa.jobs.system import TASK_SYSTEM
from apfa.models import Document

router = APIRouter(tags=["documents"])

_ERROR_CODES = {413: "payload_too_large", 415: "unsupported_media_type", 422: "validation_error"}
_MULTIPART_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {
                        "files": {"type": "array", "items": {"type": "string", "format": "binary"}}
                    },
                    "required": ["files"],
                }
            }
        },
    }
}


async def get_task_runtime(request: Request) -> TaskRuntime | None:
    system = TASK_SYSTEM.find_in(request)
    return system.runtime if system is not None else None


TasksDep = Annotated[TaskRuntime | None, Depends(get_task_runtime)]


def _read(document: Document) -> DocumentRead:
    return DocumentRead(
        id=document.id,
        title=document.title,
        filename=document.filename,
        source=service.source_of(document),
        media_type=document.media_type,
        size_bytes=document.size_bytes,
        content_hash=document.content_hash,
        status=cast(DocumentStatus, document.status),
        error=document.error,
        chunk_count=document.chunk_count,
        category=document.category,
        metadata=dict(document.meta or {}),
        uploaded_by=document.uploaded_by,
        created_at=document.created_at,
        updated_at=document.updated_at,
    )


def _all_rejected(outcome: UploadOutcome) -> JSONResponse:
    """Nothing was accepted: answer with the rejections' status (413, 415, or 422 when
    they differ) and the same per-file results."""
    statuses = {status_for(result.reason_code) for result in outcome.results}
    status = statuses.pop() if len(statuses) == 1 else 422
    if len(outcome.results) == 1:
        only = outcome.results[0]
        detail = f"{only.filename}: {only.reason}"
    else:
        detail = f"all {len(outcome.results)} files were rejected; see documents[].reason"
    body = error_body(
        _ERROR_CODES[status],
        detail,
        job_id=None,
        documents=[result.model_dump(mode="json") for result in outcome.results],
    )
    return JSONResponse(body, status_code=status)


@router.post(
    "/api/v1/documents",
    status_code=202,
    response_model=UploadResponse,
    openapi_extra=_MULTIPART_BODY,
    responses={
        413: {"description": "too large: the body, a file, or too many files"},
        415: {"description": "not multipart/form-data, or no file of an accepted type"},
        422: {"description": "every file was rejected (empty, bad name, unreadable)"},
        429: {"description": "too many uploads by this user"},
    },
)
async def upload_documents(
    principal: IndexManager, request: Request, settings: SettingsDep, tasks: TasksDep
) -> Response:
    """Upload txt, md, html or pdf files as multipart parts (any field name; ``files``
    by convention). Types are judged by content. 202 with one result per file and the
    processing job; when every file is rejected, the error status of the rejection."""
    await enforce(request, settings.rate_limit_upload, "upload", str(principal.user_id))
    maker = SESSIONMAKER.of(request)
    uploader = Uploader(settings, maker, tasks, actor_of(request, principal))
    outcome = await uploader.upload(request.headers.get("content-type"), request.stream())
    if outcome.all_rejected:
        return _all_rejected(outcome)
    payload = UploadResponse(job_id=outcome.job_id, documents=outcome.results)
    return JSONResponse(payload.model_dump(mode="json"), status_code=202)


@router.get("/api/v1/documents", response_model=DocumentPage)
async def list_documents(
    _: IndexManager,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    status: Annotated[DocumentStatus | None, Query()] = None,
) -> DocumentPage:
    """Documents newest first, optionally of one status."""
    rows = await service.list_documents(
        session, limit=limit + 1, after=service.decode_cursor(cursor), status=status
    )
    page = rows[:limit]
    return DocumentPage(
        items=[_read(row) for row in page],
        next_cursor=service.encode_cursor(page[-1]) if len(rows) > limit else None,
    )


async def _find(session: SessionDep, document_id: str) -> Document:
    document = await service.get_document(session, document_id)
    if document is None:
        raise NotFound(f"document {document_id} not found")
    return document


@router.get("/api/v1/documents/{document_id}", response_model=DocumentRead)
async def get_document(document_id: str, _: IndexManager, session: SessionDep) -> DocumentRead:
    return _read(await _find(session, document_id))


@router.delete("/api/v1/documents/{document_id}", status_code=204)
async def delete_document(
    document_id: str,
    principal: IndexManager,
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
) -> Response:
    """Delete the document, its chunks and its stored file. The served index keeps it
    until the next index version is built."""
    document = await _find(session, document_id)
    key = document.storage_key
    details = {"filename": document.filename, "status": document.status}
    await service.delete_document(session, document)
    await audit.record(
        session,
        actor_of(request, principal),
        "document_delete",
        target_type="document",
        target_id=document_id,
        details=details,
    )
    store = upload_store(settings)
    after_commit(session, lambda: store.delete(key))
    return Response(status_code=204)
