"""Queries over documents for the upload API and their processing."""

from __future__ import annotations

import base64
import binascii
from datetime import datetime

from sqlalchemy import and_, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.core.errors import InvalidInput
from apfa.models import Chunk, Document

PENDING, PROCESSING, INDEXED = "pending", "processing", "indexed"
FAILED, REJECTED = "failed", "rejected"
STATUSES = (PENDING, PROCESSING, INDEXED, FAILED, REJECTED)
# A document in one of these holds its content: the same bytes again are a duplicate.
LIVE = (PENDING, PROCESSING, INDEXED)
UPLOAD_KEY_PREFIX = "upload:"


def encode_cursor(document: Document) -> str:
    raw = f"{document.created_at.isoformat()}|{document.id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[datetime, str] | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        stamp, document_id = raw.split("|", 1)
        created = datetime.fromisoformat(stamp)
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc
    if created.tzinfo is None or not document_id:
        raise InvalidInput("invalid cursor")
    return created, document_id


async def get_document(
    session: AsyncSession, document_id: str, *, for_update: bool = False
) -> Document | None:
    stmt = (
        select(Document).where(Document.id == document_id).execution_options(populate_existing=True)
    )
    if for_update:
        stmt = stmt.with_for_update()
    result = await session.execute(stmt)
    return result.scalar_one_or_none()


async def list_documents(
    session: AsyncSession,
    *,
    limit: int,
    after: tuple[datetime, str] | None = None,
    status: str | None = None,
) -> list[Document]:
    """Newest first; ``after`` is the (created_at, id) of the last row already seen."""
    stmt = select(Document)
    if status is not None:
        stmt = stmt.where(Document.status == status)
    if after is not None:
        created, document_id = after
        stmt = stmt.where(
            or_(
                Document.created_at < created,
                and_(Document.created_at == created, Document.id < document_id),
            )
        )
    result = await session.execute(
        stmt.order_by(Document.created_at.desc(), Document.id.desc()).limit(limit)
    )
    return list(result.scalars())


async def find_live_duplicate(session: AsyncSession, content_hash: str) -> Document | None:
    """The oldest pending, processing or indexed document with these exact bytes."""
    result = await session.execute(
        select(Document)
        .where(Document.content_hash == content_hash, Document.status.in_(LIVE))
        .order_by(Document.created_at, Document.id)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def earlier_duplicate(session: AsyncSession, document: Document) -> Document | None:
    """Another document with the same bytes that wins over this one: already indexed, or
    live and created first. Two uploads racing past the upload-time check meet here."""
    result = await session.execute(
        select(Document)
        .where(
            Document.content_hash == document.content_hash,
            Document.id != document.id,
            Document.status.in_(LIVE),
            or_(
                Document.status == INDEXED,
                Document.created_at < document.created_at,
                and_(Document.created_at == document.created_at, Document.id < document.id),
            ),
        )
        .order_by(Document.created_at, Document.id)
        .limit(1)
    )
    return result.scalar_one_or_none()


async def delete_document(session: AsyncSession, document: Document) -> None:
    await session.execute(delete(Chunk).where(Chunk.document_id == document.id))
    await session.delete(document)
    await session.flush()


def source_of(document: Document) -> str:
    """``upload``, ``bundled`` or ``file``: where a document came from."""
    return document.source_key.split(":", 1)[0]
