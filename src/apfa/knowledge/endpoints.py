from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request

from apfa.auth.dependencies import IndexManager
from apfa.knowledge.retrieval import RETRIEVER, Retriever
from apfa.knowledge.schemas import SearchHit, SearchResponse

router = APIRouter(tags=["knowledge"])


async def get_retriever(request: Request) -> Retriever:
    return RETRIEVER.of(request)


RetrieverDep = Annotated[Retriever, Depends(get_retriever)]


@router.get("/api/v1/kb/search", response_model=SearchResponse)
async def kb_search(
    _: IndexManager,
    retriever: RetrieverDep,
    q: Annotated[str, Query(min_length=1, max_length=2000)],
    k: Annotated[int, Query(ge=1, le=50)] = 5,
) -> SearchResponse:
    """Retrieval only: ranked passages with their similarity scores."""
    result = await retriever.search(q, k)
    return SearchResponse(
        query=q,
        index_version=result.version,
        items=[
            SearchHit(
                rank=rank,
                score=round(hit.score, 4),
                document_id=hit.passage.document_id,
                chunk_id=hit.passage.chunk_id,
                title=hit.passage.title,
                section=" > ".join(hit.passage.heading_path) or None,
                text=hit.passage.text,
            )
            for rank, hit in enumerate(result.hits, start=1)
        ],
    )
