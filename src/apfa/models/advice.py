from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from apfa.models.base import Base, UTCDateTime, utcnow


class AdviceAnswer(Base):
    """An answer (``AdviceBody``: everything but the per-request fields) as a JSON
    document, stored once for all the history rows it answered: a cached answer is the
    same few kilobytes for every caller. ``digest`` is the SHA-256 of the document's
    members. ``last_used_at`` is refreshed by every batch of rows that uses it; unused and
    unreferenced answers are pruned by the daily maintenance job."""

    __tablename__ = "advice_answers"

    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
    body_json: Mapped[str] = mapped_column(Text)
    last_used_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class AdviceRequest(Base):
    __tablename__ = "advice_requests"
    __table_args__ = (Index("ix_advice_requests_user_recent", "user_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    request_id: Mapped[str | None] = mapped_column(String(128))
    query: Mapped[str] = mapped_column(Text)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # The response as it was sent: the answer (``AdviceAnswer.body_json``) followed by the
    # per-request fields, which are columns here (the user's name from ``users``).
    answer_digest: Mapped[str] = mapped_column(ForeignKey("advice_answers.digest"))
    provider: Mapped[str] = mapped_column(String(32))
    cached: Mapped[bool] = mapped_column(Boolean, default=False)
    index_version: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
