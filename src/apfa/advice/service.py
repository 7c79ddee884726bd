"""Advice history: what each caller asked and was answered.

A row keeps the question, the profile and the per-request fields of the response in
columns; the answer, the same for everyone a cached answer was served to, is stored once
as a JSON document (``AdviceAnswer``) and joined back when the history is read.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.advice.answers import Answer
from apfa.advice.schemas import LoanQuery
from apfa.models import AdviceAnswer, AdviceRequest, User
from apfa.models.base import utcnow

# Answers unused for this long and referenced by no history row are pruned. Far longer
# than a history batch takes to commit, which refreshes the answers it uses.
ANSWER_GRACE = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    """One history row to write, with the answer members it refers to."""

    row: dict[str, Any]
    digest: str
    body_json: bytes


def history_entry(
    user_id: int, request_id: str | None, query: LoanQuery, answer: Answer
) -> HistoryEntry:
    profile = query.profile.model_dump(exclude_none=True, mode="json") if query.profile else {}
    row = {
        "user_id": user_id,
        "request_id": request_id,
        "query": query.query,
        "profile": profile,
        "answer_digest": answer.digest,
        "provider": answer.body.provider,
        "cached": answer.cached,
        "index_version": answer.body.index_version,
        "latency_ms": answer.latency_ms,
    }
    return HistoryEntry(row, answer.digest, answer.body_json)


def stored_response(row: AdviceRequest, body_json: str, username: str) -> dict[str, Any]:
    """The response as it was sent: the answer, then its per-request fields."""
    response: dict[str, Any] = json.loads(body_json)
    response.update(
        user=username, request_id=row.request_id, cached=row.cached, latency_ms=row.latency_ms
    )
    return response


async def history(
    session: AsyncSession, user_id: int, *, limit: int, before_id: int | None
) -> list[tuple[AdviceRequest, str, str]]:
    """The caller's rows, newest first, each with its answer and the caller's name."""
    stmt = (
        select(AdviceRequest, AdviceAnswer.body_json, User.username)
        .join(AdviceAnswer, AdviceAnswer.digest == AdviceRequest.answer_digest)
        .join(User, User.id == AdviceRequest.user_id)
        .where(AdviceRequest.user_id == user_id)
    )
    if before_id is not None:
        stmt = stmt.where(AdviceRequest.id < before_id)
    result = await session.execute(stmt.order_by(AdviceRequest.id.desc()).limit(limit))
    return [(found[0], found[1], found[2]) for found in result]


async def prune_answers(session: AsyncSession, grace: timedelta = ANSWER_GRACE) -> int:
    """Delete answers no history row refers to and none has used for ``grace``; the
    number deleted. (A history batch refreshes ``last_used_at`` of the answers it writes
    in its own transaction, so an answer a batch is about to refer to is never taken.)"""
    referenced = (
        select(AdviceRequest.answer_digest)
        .where(AdviceRequest.answer_digest.is_not(None))
        .distinct()
        .scalar_subquery()
    )
    result = await session.execute(
        delete(AdviceAnswer)
        .where(AdviceAnswer.last_used_at < utcnow() - grace)
        .where(AdviceAnswer.digest.not_in(referenced))
    )
    return int(getattr(result, "rowcount", 0) or 0)
