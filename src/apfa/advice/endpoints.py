from __future__ import annotations

import json
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request, Response

from apfa.advice import service
from apfa.advice.dependencies import AdviceRateLimit
from apfa.advice.flows import AdvicePipeline
from apfa.advice.history import HistoryWriter
from apfa.advice.schemas import AdviceResponse, HistoryItem, HistoryPage, LoanQuery
from apfa.auth.dependencies import AdviceGenerator, AdviceHistoryViewer
from apfa.core.context import current_request_id
from apfa.core.dependencies import SessionDep
from apfa.core.pagination import Cursor, Limit, decode_cursor, encode_cursor

router = APIRouter(tags=["advice"])


async def get_pipeline(request: Request) -> AdvicePipeline:
    return cast(AdvicePipeline, request.app.state.advice_pipeline)


async def get_history_writer(request: Request) -> HistoryWriter:
    return cast(HistoryWriter, request.app.state.history_writer)


PipelineDep = Annotated[AdvicePipeline, Depends(get_pipeline)]
HistoryDep = Annotated[HistoryWriter, Depends(get_history_writer)]


@router.post("/api/v1/advice", response_model=AdviceResponse, dependencies=[AdviceRateLimit])
@router.post(
    "/generate-advice",
    response_model=AdviceResponse,
    include_in_schema=False,
    dependencies=[AdviceRateLimit],
)
async def generate_advice(
    body: LoanQuery, principal: AdviceGenerator, pipeline: PipelineDep, history: HistoryDep
) -> Response:
    """Grounded, personalised advice with numbered citations and computed figures."""
    answer = await pipeline.answer(body)
    request_id = current_request_id()
    rendered = answer.render(principal.username, request_id)
    await history.submit(service.history_row(principal.user_id, request_id, body, answer, rendered))
    return Response(rendered, media_type="application/json")


@router.get("/api/v1/advice/history", response_model=HistoryPage)
async def advice_history(
    principal: AdviceHistoryViewer,
    session: SessionDep,
    writer: HistoryDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> HistoryPage:
    """The caller's own past questions and answers, newest first."""
    await writer.flush()
    rows = await service.history(
        session, principal.user_id, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    page = rows[:limit]
    return HistoryPage(
        items=[
            HistoryItem(
                id=r.id,
                request_id=r.request_id,
                query=r.query,
                created_at=r.created_at.isoformat(),
                response=json.loads(r.response_json),
            )
            for r in page
        ],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit else None,
    )
