from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from apfa.auth.dependencies import IndexManager
from apfa.core.config import SETTINGS
from apfa.core.dependencies import SessionDep, SettingsDep
from apfa.core.ratelimit import enforce
from apfa.knowledge import service
from apfa.knowledge.freshness import policy_of, today
from apfa.knowledge.fusion import Mode
from apfa.knowledge.retrieval import RETRIEVER, Retriever
from apfa.knowledge.schemas import (
    ReviewItem,
    ReviewResponse,
    SearchHit,
    SearchResponse,
)

router = APIRouter(tags=["knowledge"])


async def get_retriever(request: Request) -> Retriever:
    return RETRIEVER.of(request)


RetrieverDep = Annotated[Retriever, Depends(get_retriever)]


@router.get(
    "/api/v1/kb/search",
    response_model=SearchResponse,
    responses={429: {"description": "too many searches by this user"}},
)
async def kb_search(
    principal: IndexManager,
    request: Request,
    retriever: RetrieverDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
    mode: Annotated[Mode | None, Query(description="hybrid, dense or lexical")] = None,
) -> SearchResponse:
    """Retrieval only: ranked passages with their dense, lexical (BM25) and fused scores
    (by default in the configured mode, hybrid unless set otherwise)."""
    spec = SETTINGS.of(request).rate_limit_search
    await enforce(request, spec, "search", str(principal.user_id))
    result = await retriever.search(q, k, mode=mode)
    return SearchResponse(
        query=q,
        index_version=result.version,
        mode=result.mode,
        items=[
            SearchHit(
                rank=rank,
                score=round(hit.score, 4),
                dense_score=round(hit.score, 4),
                lexical_score=None if hit.lexical is None else round(hit.lexical, 4),
                fused_score=None if hit.fused is None else round(hit.fused, 6),
                dense_rank=hit.dense_rank,
                lexical_rank=hit.lexical_rank,
                freshness=round(hit.freshness, 4),
                updated=hit.passage.updated,
                time_sensitive=hit.passage.time_sensitive,
                document_id=hit.passage.document_id,
                chunk_id=hit.passage.chunk_id,
                title=hit.passage.title,
                section=" > ".join(hit.passage.heading_path) or None,
                text=hit.passage.text,
            )
            for rank, hit in enumerate(result.hits, start=1)
        ],
    )


@router.get("/api/v1/kb/review", response_model=ReviewResponse)
async def kb_review(
    _: IndexManager,
    session: SessionDep,
    settings: SettingsDep,
    all_documents: Annotated[
        bool, Query(alias="all", description="every indexed document, not only the overdue")
    ] = False,
) -> ReviewResponse:
    """Indexed documents past their review date (front matter ``review_by``, else
    ``updated`` plus the interval of the document's kind), the most overdue first."""
    on = today()
    rows = await service.review_rows(session, policy_of(settings), on)
    return ReviewResponse(
        as_of=on,
        documents=len(rows),
        overdue=sum(r.review.overdue for r in rows),
        undated=sum(r.review.review_by is None for r in rows),
        items=[
            ReviewItem(
                document_id=r.document_id,
                title=r.title,
                category=r.category,
                freshness=r.review.kind,
                updated=r.review.updated,
                review_by=r.review.review_by,
                overdue=r.review.overdue,
                days_overdue=r.review.days_overdue,
            )
            for r in rows
            if all_documents or r.review.overdue
        ],
    )
