from __future__ import annotations

from datetime import date
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
    freshness: float = Field(
        description="Weight the ranking score was multiplied by for the document's age: "
        "below 1 only for a time-sensitive document past its grace period."
    )
    updated: str | None = Field(description="The document's `updated` date, when it has one.")
    time_sensitive: bool
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


class ReviewItem(BaseModel):
    document_id: str
    title: str
    category: str | None
    freshness: Literal["time-sensitive", "evergreen"]
    updated: date | None
    review_by: date | None = Field(
        description="front matter `review_by`, else `updated` plus the review interval of "
        "the document's kind; null when the document has neither date"
    )
    overdue: bool
    days_overdue: int


class ReviewResponse(BaseModel):
    as_of: date
    documents: int = Field(description="indexed documents")
    overdue: int = Field(description="indexed documents past their review date")
    undated: int = Field(description="indexed documents with no date to review by")
    items: list[ReviewItem]
