"""Conversation queries and invariants: a caller sees only their own threads (another
user's is not found, never forbidden), a thread holds at most ``MAX_TURNS`` turns and a
user at most ``MAX_CONVERSATIONS`` threads, and a turn is saved only over the state of the
thread it was answered from."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.advice.advisor import facts_of
from apfa.advice.answers import Answer
from apfa.advice.followup import Thread
from apfa.advice.schemas import ProfileIn
from apfa.conversations.exceptions import (
    ConversationFull,
    ConversationNotFound,
    TooManyConversations,
    TurnConflict,
)
from apfa.conversations.schemas import MessageIn
from apfa.models import Conversation, ConversationMessage
from apfa.models.base import utcnow

MAX_TURNS = 100  # a turn is two messages: the user's and the answer
MAX_CONVERSATIONS = 1000
TITLE_WORDS = 8
TITLE_CHARS = 80


def profile_facts(profile: ProfileIn | None) -> dict[str, object]:
    return facts_of(profile.model_dump(exclude_none=True, mode="json")) if profile else {}


def title_from(content: str) -> str:
    """A thread's default title: the first words of its first message."""
    words = content.split()
    title = " ".join(words[:TITLE_WORDS])
    if len(title) > TITLE_CHARS:
        return title[: TITLE_CHARS - 1].rstrip() + "…"
    return title + "…" if len(words) > TITLE_WORDS else title


async def create(
    session: AsyncSession, user_id: int, title: str | None, profile: ProfileIn | None
) -> Conversation:
    owned = await session.scalar(
        select(func.count()).select_from(Conversation).where(Conversation.user_id == user_id)
    )
    if (owned or 0) >= MAX_CONVERSATIONS:
        raise TooManyConversations(
            f"at most {MAX_CONVERSATIONS} conversations a user; delete some to start another"
        )
    now = utcnow()
    conversation = Conversation(
        user_id=user_id,
        title=title,
        facts=profile_facts(profile),
        intents=[],
        said=[],
        turns=0,
        created_at=now,
        updated_at=now,
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def page(
    session: AsyncSession, user_id: int, *, limit: int, before_id: int | None
) -> list[Conversation]:
    """The user's threads, newest first."""
    stmt = select(Conversation).where(Conversation.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(Conversation.id < before_id)
    result = await session.scalars(stmt.order_by(Conversation.id.desc()).limit(limit))
    return list(result)


async def owned(
    session: AsyncSession, user_id: int, conversation_id: int, *, lock: bool = False
) -> Conversation:
    """The user's thread ``conversation_id``; with ``lock``, its row stays locked until the
    transaction ends (PostgreSQL; SQLite has no row locks, see ``flows``)."""
    stmt = select(Conversation).where(
        Conversation.id == conversation_id, Conversation.user_id == user_id
    )
    found = await session.scalar(stmt.with_for_update() if lock else stmt)
    if found is None:
        raise ConversationNotFound()
    return found


async def messages(session: AsyncSession, conversation_id: int) -> list[ConversationMessage]:
    result = await session.scalars(
        select(ConversationMessage)
        .where(ConversationMessage.conversation_id == conversation_id)
        .order_by(ConversationMessage.id)
    )
    return list(result)


async def remove(session: AsyncSession, user_id: int, conversation_id: int) -> None:
    result = await session.execute(
        delete(Conversation).where(
            Conversation.id == conversation_id, Conversation.user_id == user_id
        )
    )
    if not getattr(result, "rowcount", 0):
        raise ConversationNotFound()


def check_room(conversation: Conversation) -> None:
    if conversation.turns >= MAX_TURNS:
        raise ConversationFull(
            f"this conversation has reached its limit of {MAX_TURNS} turns "
            f"({2 * MAX_TURNS} messages); start a new one"
        )


def thread_of(conversation: Conversation) -> Thread:
    return Thread(
        dict(conversation.facts),
        list(conversation.intents),
        conversation.turns,
        list(conversation.said or []),
    )


def stored_answer(answer: Answer, request_id: str | None) -> dict[str, Any]:
    """What an assistant message keeps: the response less the user's name and its id."""
    stored: dict[str, Any] = json.loads(answer.body_json)
    stored.update(request_id=request_id, cached=answer.cached, latency_ms=answer.latency_ms)
    return stored


async def record_turn(
    session: AsyncSession,
    conversation: Conversation,
    message: MessageIn,
    answer: Answer,
    after: Thread,
    request_id: str | None,
) -> int:
    """Save the thread as ``after`` and the turn's two messages; the answer's message id.
    ``TurnConflict`` when the thread has moved on since it was read."""
    now = utcnow()
    saved = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation.id, Conversation.turns == conversation.turns)
        .values(
            facts=after.facts,
            intents=after.intents,
            said=after.said,
            turns=after.turns,
            title=conversation.title or title_from(message.content),
            updated_at=now,
        )
        .execution_options(synchronize_session=False)
    )
    if getattr(saved, "rowcount", 0) != 1:
        raise TurnConflict()
    profile = (
        message.profile.model_dump(exclude_none=True, mode="json") if message.profile else None
    )
    asked = _message(
        conversation.id, "user", message.content, {"profile": profile} if profile else None, now
    )
    answered = _message(
        conversation.id, "assistant", answer.body.advice, stored_answer(answer, request_id), now
    )
    session.add_all([asked, answered])
    await session.flush()
    return answered.id


def _message(
    conversation_id: int, role: str, content: str, body: dict[str, Any] | None, at: datetime
) -> ConversationMessage:
    return ConversationMessage(
        conversation_id=conversation_id, role=role, content=content, body=body, created_at=at
    )
