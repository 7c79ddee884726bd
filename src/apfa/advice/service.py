"""Advice history: what each caller asked and was answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.advice.flows import Answer
from apfa.advice.schemas import LoanQuery
from apfa.models import AdviceRequest


def history_row(
    user_id: int, request_id: str | None, query: LoanQuery, answer: Answer, rendered: bytes
) -> dict[str, Any]:
    profile = query.profile.model_dump(exclude_none=True, mode="json") if query.profile else {}
    return {
        "user_id": user_id,
        "request_id": request_id,
        "query": query.query,
        "profile": profile,
        "response_json": rendered.decode(),
        "provider": answer.body.provider,
        "cached": answer.cached,
        "index_version": answer.body.index_version,
        "latency_ms": answer.latency_ms,
    }


async def history(
    session: AsyncSession, user_id: int, *, limit: int, before_id: int | None
) -> list[AdviceRequest]:
    stmt = select(AdviceRequest).where(AdviceRequest.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(AdviceRequest.id < before_id)
    result = await session.execute(stmt.order_by(AdviceRequest.id.desc()).limit(limit))
    return list(result.scalars())
