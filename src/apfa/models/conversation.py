"""Conversations: threads of turns, each read against what the earlier turns established
(``apfa.conversations``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from apfa.models.base import Base, ExactJSON, UTCDateTime, utcnow

TITLE_MAX_CHARS = 200


class Conversation(Base):
    """A thread and what it knows after its last turn: the facts (``Decimal`` amounts kept
    exact), the intents of the last plan, what its answers said, and how many turns it has
    had. ``turns`` also guards against a lost update: a turn is saved only over the state it
    was read from."""

    __tablename__ = "conversations"
    __table_args__ = (Index("ix_conversations_user_recent", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    title: Mapped[str | None] = mapped_column(String(TITLE_MAX_CHARS))
    facts: Mapped[dict[str, Any]] = mapped_column(ExactJSON, default=dict)
    intents: Mapped[list[str]] = mapped_column(JSON, default=list)
    # What the thread's answers already said (``Thread.said``), so none repeats itself.
    said: Mapped[list[str]] = mapped_column(JSON, default=list)
    turns: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ConversationMessage(Base):
    """One message of a thread: the user's (``body`` holds the profile sent with it, if
    any) or the assistant's (``body`` is the answer as it was sent, less the fields that
    are columns elsewhere: the user's name and the message's id)."""

    __tablename__ = "conversation_messages"
    __table_args__ = (Index("ix_conversation_messages_thread", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id", ondelete="CASCADE"))
    role: Mapped[str] = mapped_column(String(16))
    content: Mapped[str] = mapped_column(Text)
    body: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
