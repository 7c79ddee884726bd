from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from apfa.advice import service
from apfa.advice.dependencies import AdviceCaller
from apfa.advice.flows import AdvicePipeline, Answer
from apfa.advice.history import HistoryWriter
from apfa.advice.schemas import AdviceResponse, HistoryItem, HistoryPage, LoanQuery
from apfa.advice.streaming import AdviceStream
from apfa.auth.dependencies import CREDENTIALS_OPENAPI, AdviceHistoryViewer
from apfa.core.compression import ENCODED_HEADERS, MAX_STORED, PrefixGzip, accepts_gzip
from apfa.core.context import current_request_id
from apfa.core.dependencies import SessionDep
from apfa.core.middleware import GZIP_LEVEL, GZIP_MINIMUM_BYTES
from apfa.core.pagination import Cursor, Limit, decode_cursor, encode_cursor

router = APIRouter(tags=["advice"])


# The advice routes take these from the app directly rather than as dependencies: each
# dependency costs several microseconds per request to solve (see advice/dependencies.py).
def pipeline_of(request: Request) -> AdvicePipeline:
    return cast(AdvicePipeline, request.app.state.advice_pipeline)


def history_of(request: Request) -> HistoryWriter:
    return cast(HistoryWriter, request.app.state.history_writer)


async def get_history_writer(request: Request) -> HistoryWriter:
    return history_of(request)


HistoryDep = Annotated[HistoryWriter, Depends(get_history_writer)]


@router.post("/api/v1/advice", response_model=AdviceResponse, openapi_extra=CREDENTIALS_OPENAPI)
@router.post(
    "/generate-advice",
    response_model=AdviceResponse,
    include_in_schema=False,
    openapi_extra=CREDENTIALS_OPENAPI,
)
async def generate_advice(request: Request, body: LoanQuery, principal: AdviceCaller) -> Response:
    """Grounded, personalised advice with numbered citations and computed figures."""
    answer = await pipeline_of(request).answer(body)
    request_id = current_request_id()
    rendered = answer.render(principal.username, request_id)
    row = service.history_row(principal.user_id, request_id, body, answer, rendered)
    await history_of(request).submit(row)
    return answer_response(request, answer, rendered)


# Answers repeat (the cache serves the same members to everyone who asks), so their gzip
# encoding is built from a compressed copy of the members kept here; see core/compression.
_GZIP = PrefixGzip(GZIP_LEVEL)


def answer_response(request: Request, answer: Answer, rendered: bytes) -> Response:
    """``rendered`` as the response, gzip-encoded when the GZip middleware would have
    encoded it (same size threshold, same Accept-Encoding test, same level)."""
    head = len(answer.members_json) + 2  # the opening brace, the members and a comma
    if (
        len(rendered) >= GZIP_MINIMUM_BYTES
        and len(rendered) - head <= MAX_STORED
        and accepts_gzip(request.scope)
    ):
        encoded = _GZIP.compress(rendered[:head], rendered[head:])
        return Response(encoded, media_type="application/json", headers=ENCODED_HEADERS)
    return Response(rendered, media_type="application/json")


@router.post(
    "/api/v1/advice/stream",
    response_class=EventSourceResponse,
    openapi_extra=CREDENTIALS_OPENAPI,
)
async def stream_advice(
    request: Request, body: LoanQuery, principal: AdviceCaller
) -> AsyncIterator[ServerSentEvent]:
    """The same advice as Server-Sent Events: ``citations`` and ``metrics`` as soon as they
    are known, ``delta`` pieces of the text, then ``done`` with the full answer; an LLM's
    text is forwarded as it arrives and a ``reset`` precedes a replacement answer. The
    event format is in docs/streaming.md."""
    stream = AdviceStream(pipeline_of(request), history_of(request), principal)
    async for event in stream.events(body):
        yield event


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
