from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from apfa.advice.dependencies import AdviceCaller
from apfa.advice.flows import Generate
from apfa.advice.streaming import AdviceStream, EventStreamResponse, Finished, asks_for_events
from apfa.auth.dependencies import CREDENTIALS_OPENAPI, AdviceGenerator, AdviceHistoryViewer
from apfa.conversations import service
from apfa.conversations.flows import CONVERSATION_TURNS
from apfa.conversations.schemas import (
    ConversationIn,
    ConversationOut,
    ConversationPage,
    ConversationSummary,
    MessageIn,
    MessageOut,
    MessageResponse,
    labelled,
    plain,
)
from apfa.core.dependencies import SessionDep
from apfa.core.pagination import Cursor, Limit, RowId, decode_cursor, encode_cursor
from apfa.models import Conversation, ConversationMessage

router = APIRouter(tags=["conversations"])
PATH = "/api/v1/conversations"
# Comments on an idle stream keep proxies from closing it (as on /api/v1/advice/stream).
PING_SECONDS = 15.0
STREAM_OPENAPI: dict[str, Any] = {
    **CREDENTIALS_OPENAPI,
    "responses": {
        "200": {
            "description": "The answer; with `Accept: text/event-stream`, the events of "
            "/api/v1/advice/stream, the `done` event carrying `message_id`",
            "content": {"text/event-stream": {"schema": {"type": "string"}}},
        }
    },
}


def summary(conversation: Conversation) -> ConversationSummary:
    return ConversationSummary.model_validate(conversation, from_attributes=True)


@router.post(PATH, status_code=201, response_model=ConversationSummary)
async def create_conversation(
    principal: AdviceGenerator,
    session: SessionDep,
    response: Response,
    body: ConversationIn | None = None,
) -> ConversationSummary:
    """Start a thread, optionally with a title and what is known already (a profile)."""
    body = body or ConversationIn()
    conversation = await service.create(session, principal.user_id, body.title, body.profile)
    response.headers["Location"] = f"{PATH}/{conversation.id}"
    return summary(conversation)


@router.get(PATH, response_model=ConversationPage)
async def list_conversations(
    principal: AdviceHistoryViewer,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> ConversationPage:
    """The caller's threads, newest first."""
    rows = await service.page(
        session, principal.user_id, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    shown = rows[:limit]
    return ConversationPage(
        items=[summary(row) for row in shown],
        next_cursor=encode_cursor(shown[-1].id) if len(rows) > limit else None,
    )


def message_out(row: ConversationMessage, username: str) -> MessageOut:
    if row.role == "assistant":
        response = {**(row.body or {}), "user": username, "message_id": row.id}
        return MessageOut(
            id=row.id,
            role="assistant",
            content=row.content,
            created_at=row.created_at,
            response=response,
        )
    profile = (row.body or {}).get("profile")
    return MessageOut(
        id=row.id, role="user", content=row.content, created_at=row.created_at, profile=profile
    )


@router.get(PATH + "/{conversation_id}", response_model=ConversationOut)
async def get_conversation(
    conversation_id: RowId, principal: AdviceHistoryViewer, session: SessionDep
) -> ConversationOut:
    """The thread, what it knows and its messages."""
    conversation = await service.owned(session, principal.user_id, conversation_id)
    rows = await service.messages(session, conversation.id)
    return ConversationOut(
        **summary(conversation).model_dump(),
        profile={name: plain(value) for name, value in conversation.facts.items()},
        facts=labelled(conversation.facts),
        intents=list(conversation.intents),
        messages=[message_out(row, principal.username) for row in rows],
    )


@router.delete(PATH + "/{conversation_id}", status_code=204)
async def delete_conversation(
    conversation_id: RowId, principal: AdviceGenerator, session: SessionDep
) -> Response:
    """Delete the thread and its messages."""
    await service.remove(session, principal.user_id, conversation_id)
    return Response(status_code=204)


@router.post(
    PATH + "/{conversation_id}/messages",
    response_model=MessageResponse,
    openapi_extra=STREAM_OPENAPI,
)
async def post_message(
    request: Request, conversation_id: RowId, body: MessageIn, principal: AdviceCaller
) -> Response:
    """Ask in the thread: the message is read against what the thread knows, and the
    answer (an ``AdviceResponse`` with its ``message_id``) comes back as JSON, or as the
    events of /api/v1/advice/stream when the request accepts ``text/event-stream``."""
    turns = CONVERSATION_TURNS.of(request)
    if not asks_for_events(request.headers.get("accept")):
        finished = await turns.answer(principal, conversation_id, body)
        return Response(finished.done, media_type="application/json")
    await turns.check(principal.user_id, conversation_id)

    async def respond(generate: Generate) -> Finished:
        return await turns.answer(principal, conversation_id, body, generate)

    stream = AdviceStream(turns.pipeline.chain, respond)
    return EventStreamResponse(stream.events(PING_SECONDS))
