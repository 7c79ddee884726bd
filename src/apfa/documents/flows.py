"""The upload pipeline: stream the parts to disk -> judge each by its bytes -> record
documents (accepted ones ``pending``, refused ones ``rejected`` with the reason) and keep
accepted files under their ids -> one ``documents.embed_batch`` job, enqueued on commit.

Nothing is half-stored: refused parts and every part of a failed request are deleted,
and a kept file is removed again if its transaction does not commit.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import anyio.to_thread
import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from starlette.exceptions import HTTPException

from apfa.audit import service as audit
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.errors import AppError
from apfa.documents import service
from apfa.documents.exceptions import NoFiles
from apfa.documents.filenames import stem
from apfa.documents.intake import Verdict, classify
from apfa.documents.limits import ExtractionLimits
from apfa.documents.receiving import IntakeLimits, MultipartReceiver, ReceivedFile
from apfa.documents.schemas import UploadResult
from apfa.documents.storage import UploadStore, upload_store
from apfa.documents.tasks import EMBED_BATCH
from apfa.jobs.runtime import TaskRuntime
from apfa.models import Document

log = structlog.get_logger(__name__)

UPLOAD_ACTION = "document_upload"


@dataclass(frozen=True)
class UploadOutcome:
    job_id: str | None
    results: list[UploadResult]

    @property
    def all_rejected(self) -> bool:
        return all(result.status == service.REJECTED for result in self.results)


@dataclass(frozen=True)
class Uploader:
    settings: Settings
    maker: async_sessionmaker[AsyncSession]
    tasks: TaskRuntime | None
    actor: audit.Actor

    @property
    def store(self) -> UploadStore:
        return upload_store(self.settings)

    async def upload(self, content_type: str | None, body: AsyncIterator[bytes]) -> UploadOutcome:
        limits = IntakeLimits(self.settings.upload_max_file_bytes, self.settings.upload_max_files)
        receiver = MultipartReceiver(self.store, limits)
        try:
            await receiver.receive(content_type, body)
            if not receiver.files:
                raise NoFiles("no files in the request: send multipart parts with a filename")
            judged = [
                (item, await anyio.to_thread.run_sync(self._judge, item)) for item in receiver.files
            ]
            return await self._record(judged)
        except (AppError, HTTPException) as exc:
            detail = exc.detail if isinstance(exc.detail, str) else str(exc)
            await audit.record_now(
                self.maker,
                self.actor,
                UPLOAD_ACTION,
                outcome=audit.FAILURE,
                details={"reason": detail, "files": len(receiver.files)},
            )
            raise
        finally:
            await anyio.to_thread.run_sync(receiver.discard)

    def _judge(self, received: ReceivedFile) -> Verdict:
        limits = ExtractionLimits.from_settings(self.settings)
        return classify(received, self.settings.upload_max_file_bytes, limits)

    async def _record(self, judged: list[tuple[ReceivedFile, Verdict]]) -> UploadOutcome:
        kept: list[str] = []
        try:
            async with session_scope(self.maker) as session:
                seen: dict[str, str] = {}
                results = []
                for received, verdict in judged:
                    result = await self._record_one(session, received, verdict, seen)
                    if result.status == service.PENDING and result.document_id:
                        kept.append(result.document_id)
                    results.append(result)
                job_id = await self._submit(session, kept)
        except BaseException:
            for key in kept:
                self.store.delete(key)
            raise
        return UploadOutcome(job_id, results)

    async def _submit(self, session: AsyncSession, document_ids: list[str]) -> str | None:
        if not document_ids:
            return None
        if self.tasks is None:
            log.warning("documents_pending_without_task_system", documents=len(document_ids))
            return None
        job = await self.tasks.submit(
            session, EMBED_BATCH, {"document_ids": document_ids}, created_by=self.actor.username
        )
        return job.id

    async def _record_one(
        self,
        session: AsyncSession,
        received: ReceivedFile,
        verdict: Verdict,
        seen: dict[str, str],
    ) -> UploadResult:
        if verdict.rejection is not None:
            return await self._reject(session, received, verdict)
        content_hash = received.sha256 or ""
        duplicate_of = seen.get(content_hash)
        if duplicate_of is None:
            existing = await service.find_live_duplicate(session, content_hash)
            duplicate_of = existing.id if existing is not None else None
        if duplicate_of is not None:
            result = UploadResult(
                document_id=None,
                filename=verdict.filename,
                status="duplicate",
                media_type=verdict.media_type,
                size_bytes=received.size,
                duplicate_of=duplicate_of,
            )
            await self._audit(session, duplicate_of, result, received)
            return result
        document = self._document(received, verdict, service.PENDING)
        document.storage_key = document.id
        session.add(document)
        await session.flush()
        incoming = received.incoming
        assert incoming is not None
        await anyio.to_thread.run_sync(self.store.keep, incoming, document.id)
        received.incoming = None
        seen[content_hash] = document.id
        result = UploadResult(
            document_id=document.id,
            filename=verdict.filename,
            status="pending",
            media_type=verdict.media_type,
            size_bytes=received.size,
        )
        await self._audit(session, document.id, result, received)
        return result

    async def _reject(
        self, session: AsyncSession, received: ReceivedFile, verdict: Verdict
    ) -> UploadResult:
        rejection = verdict.rejection
        assert rejection is not None
        document = self._document(received, verdict, service.REJECTED)
        document.error = rejection.detail
        document.meta = {"reason_code": rejection.code}
        session.add(document)
        await session.flush()
        result = UploadResult(
            document_id=document.id,
            filename=verdict.filename,
            status="rejected",
            media_type=verdict.media_type,
            size_bytes=received.size,
            reason=rejection.detail,
            reason_code=rejection.code,
        )
        await self._audit(session, document.id, result, received)
        return result

    def _document(self, received: ReceivedFile, verdict: Verdict, status: str) -> Document:
        document_id = str(uuid.uuid4())
        return Document(
            id=document_id,
            source_key=f"{service.UPLOAD_KEY_PREFIX}{document_id}",
            title=stem(verdict.filename)[:512],
            filename=verdict.filename,
            content_hash=received.sha256 or "",
            size_bytes=received.size,
            status=status,
            chunk_count=0,
            meta={},
            media_type=verdict.media_type,
            uploaded_by=self.actor.username,
        )

    async def _audit(
        self, session: AsyncSession, target: str, result: UploadResult, received: ReceivedFile
    ) -> None:
        details: dict[str, Any] = result.model_dump(exclude={"document_id"}, exclude_none=True)
        if received.declared_type:
            details["declared_type"] = received.declared_type  # what the client claimed
        await audit.record(
            session,
            self.actor,
            UPLOAD_ACTION,
            outcome=audit.FAILURE if result.status == "rejected" else audit.SUCCESS,
            target_type="document",
            target_id=target,
            details=details,
        )
