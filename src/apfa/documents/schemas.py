from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

DocumentStatus = Literal["pending", "processing", "indexed", "failed", "rejected"]
UploadStatus = Literal["pending", "rejected", "duplicate"]


class UploadResult(BaseModel):
    """One file of an upload. ``document_id`` is set when a record was made (accepted or
    rejected); a duplicate makes none and names the document it repeats."""

    document_id: str | None
    filename: str
    status: UploadStatus
    media_type: str | None = None
    size_bytes: int
    reason: str | None = None
    reason_code: str | None = None
    duplicate_of: str | None = None


class UploadResponse(BaseModel):
    job_id: str | None = Field(description="the documents.embed_batch job; null if none ran")
    documents: list[UploadResult]


class DocumentRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    filename: str
    source: str
    media_type: str | None
    size_bytes: int
    content_hash: str
    status: DocumentStatus
    error: str | None
    chunk_count: int
    category: str | None
    metadata: dict[str, Any]
    uploaded_by: str | None
    created_at: datetime
    updated_at: datetime


class DocumentPage(BaseModel):
    items: list[DocumentRead]
    next_cursor: str | None
