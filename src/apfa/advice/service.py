"""Advice history: what each caller asked and was answered."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.advice.schemas import AdviceResponse, LoanQuery
from apfa.models import AdviceRequest


def history_row(user_id: int, query: LoanQuery, response: AdviceResponse) -> dict[str, Any]:
    profile = query.profile.model_dump(exclude_none=True, mode="json") if query.profile else {}
    return {
        "user_id": user_id,
        "request_id": response.request_id,
        "query": query.query,
        "profile": profile,
        "response": response.model_dump(mode="json"),
        "provider": response.provider,
        "cached": response.cached,
        "index_version": response.index_version,
        "latency_ms": response.latency_ms,
    }


async def history(
    session: AsyncSession, user_id: int, *, limit: int, before_id: int | None
) -> list[AdviceRequest]:
    stmt = select(AdviceRequest).where(AdviceRequest.user_id == user_id)
    if before_id is not None:
        stmt = stmt.where(AdviceRequest.id < before_id)
    result = await session.execute(stmt.order_by(AdviceRequest.id.desc()).limit(limit))
    return list(result.scalars())
