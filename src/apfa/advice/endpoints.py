from __future__ import annotations

import gzip
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Depends, Request, Response
from fastapi.sse import EventSourceResponse, ServerSentEvent

from apfa.advice import service
from apfa.advice.answers import Answer
from apfa.advice.dependencies import ADVICE_GUARD, AdviceCaller
from apfa.advice.flows import ADVICE_PIPELINE, AdvicePipeline
from apfa.advice.history import HISTORY_WRITER, HistoryWriter
from apfa.advice.schemas import AdviceResponse, HistoryItem, HistoryPage, LoanQuery
from apfa.advice.streaming import AdviceStream
from apfa.auth.dependencies import CREDENTIALS_OPENAPI, AdviceHistoryViewer, guarded_by
from apfa.core.bodies import json_body_openapi, read_json_body
from apfa.core.compression import (
    ENCODED_HEADERS,
    MAX_STORED,
    VARY_HEADERS,
    PrefixGzip,
    accepts_gzip,
)
from apfa.core.context import current_request_id
from apfa.core.dependencies import SessionDep
from apfa.core.middleware import GZIP_LEVEL, GZIP_MINIMUM_BYTES
from apfa.core.pagination import Cursor, Limit, decode_cursor, encode_cursor
from apfa.core.routing import direct

router = APIRouter(tags=["advice"])


# The advice routes take these from the app directly rather than as dependencies: each
# dependency costs several microseconds per request to solve (see advice/dependencies.py).
def pipeline_of(request: Request) -> AdvicePipeline:
    return ADVICE_PIPELINE.of(request)


def history_of(request: Request) -> HistoryWriter:
    return HISTORY_WRITER.of(request)


async def get_history_writer(request: Request) -> HistoryWriter:
    return history_of(request)


HistoryDep = Annotated[HistoryWriter, Depends(get_history_writer)]


# The busiest route reads its guard and body itself (the same checks, order and errors;
# see advice/dependencies.py and core/bodies.py): FastAPI's dependency solving and body
# validation cost more than a cached answer.
ADVICE_OPENAPI = {**CREDENTIALS_OPENAPI, **json_body_openapi(LoanQuery)}


@router.post("/api/v1/advice", response_model=AdviceResponse, openapi_extra=ADVICE_OPENAPI)
@router.post(
    "/generate-advice",
    response_model=AdviceResponse,
    openapi_extra=ADVICE_OPENAPI,
)
@guarded_by(ADVICE_GUARD)
@direct
async def generate_advice(request: Request) -> Response:
    """Grounded, personalised advice with numbered citations and computed figures."""
    principal = await ADVICE_GUARD(request)
    body = await read_json_body(request, LoanQuery)
    answer = await pipeline_of(request).answer(body)
    request_id = current_request_id()
    rendered = answer.render(principal.username, request_id)
    entry = service.history_entry(principal.user_id, request_id, body, answer)
    await history_of(request).submit(entry)
    return answer_response(request, answer, rendered)


# Answers repeat (the cache serves the same members to everyone who asks), so their gzip
# encoding is built from a compressed copy of the members kept here; see core/compression.
# The GZip middleware leaves these paths to the endpoint (core/middleware.py); their error
# responses are short JSON, below its size threshold.
_GZIP = PrefixGzip(GZIP_LEVEL)
SELF_ENCODING = frozenset({"/api/v1/advice", "/generate-advice"})


def answer_response(request: Request, answer: Answer, rendered: bytes) -> Response:
    """``rendered`` as the response, gzip-encoded when the GZip middleware would have
    encoded it (same size threshold, same Accept-Encoding test, same level)."""
    if len(rendered) < GZIP_MINIMUM_BYTES:
        return Response(rendered, media_type="application/json")
    if not accepts_gzip(request.scope):
        return Response(rendered, media_type="application/json", headers=VARY_HEADERS)
    tail = answer.tail(rendered)
    if len(tail) <= MAX_STORED:
        encoded = _GZIP.compress(rendered[: len(rendered) - len(tail)], tail)
    else:
        encoded = gzip.compress(rendered, GZIP_LEVEL)
    return Response(encoded, media_type="application/json", headers=ENCODED_HEADERS)


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
    stream = AdviceStream.single_turn(pipeline_of(request), history_of(request), principal, body)
    async for event in stream.events():
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
                response=service.stored_response(r, body_json, username),
            )
            for r, body_json, username in page
        ],
        next_cursor=encode_cursor(page[-1][0].id) if len(rows) > limit else None,
    )
