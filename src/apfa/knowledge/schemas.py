from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class SearchHit(BaseModel):
    rank: int
    score: float = Field(description="Dense (cosine) similarity of the passage to the query.")
    dense_score: float = Field(description="The same cosine similarity, named for what it is.")
    lexical_score: float | None = Field(
        description="BM25 score; null when BM25 did not return the passage (or did not run)."
    )
    fused_score: float | None = Field(
        description="Reciprocal rank fusion score the hybrid ranking is ordered by; "
        "null outside hybrid mode."
    )
    dense_rank: int | None = Field(description="Rank in the dense list (1 = first), if in it.")
    lexical_rank: int | None = Field(description="Rank in the BM25 list (1 = first), if in it.")
    document_id: str
    chunk_id: int
    title: str
    section: str | None
    text: str


class SearchResponse(BaseModel):
    query: str
    index_version: int | None
    mode: Literal["hybrid", "dense", "lexical"] = Field(
        description="How the hits were ranked: dense when the served version has no BM25 part."
    )
    items: list[SearchHit]
