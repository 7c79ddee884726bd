from __future__ import annotations

from pydantic import BaseModel


class SearchHit(BaseModel):
    rank: int
    score: float
    document_id: str
    chunk_id: int
    title: str
    section: str | None
    text: str


class SearchResponse(BaseModel):
    query: str
    index_version: int | None
    items: list[SearchHit]
