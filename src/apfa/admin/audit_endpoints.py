"""Reading the audit log: filtered, newest first, cursor-paginated."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from pydantic import BeforeValidator

from apfa.audit import service
from apfa.audit.schemas import AuditLogOut, AuditLogPage
from apfa.auth.dependencies import AuditViewer
from apfa.core.dependencies import SessionDep
from apfa.core.errors import InvalidInput
from apfa.core.pagination import Cursor, Limit, decode_cursor, encode_cursor

router = APIRouter(tags=["audit"])


def _iso_only(value: object) -> object:
    """Lax validation reads a bare number as Unix time: only ISO 8601 is a time here."""
    if isinstance(value, str) and _NUMBER.fullmatch(value.strip()):
        raise ValueError("must be an ISO 8601 date-time, not a number")
    return value


_NUMBER = re.compile(r"[+-]?\d+(\.\d*)?")
IsoDatetime = Annotated[datetime, BeforeValidator(_iso_only)]

Outcome = Literal["success", "failure", "denied"]


@router.get("/api/v1/audit-logs", response_model=AuditLogPage)
async def audit_logs(
    _viewer: AuditViewer,
    session: SessionDep,
    actor: Annotated[str | None, Query(max_length=64, description="username, exact")] = None,
    action: Annotated[str | None, Query(max_length=64)] = None,
    outcome: Outcome | None = None,
    since: Annotated[IsoDatetime | None, Query(description="ISO 8601; naive is UTC")] = None,
    until: Annotated[IsoDatetime | None, Query(description="ISO 8601, exclusive")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> AuditLogPage:
    """Security events, newest first: logins, lockouts, refresh reuse, logouts, revocations."""
    if since is not None and until is not None and service.as_utc(since) > service.as_utc(until):
        raise InvalidInput("since must not be later than until")
    where = service.AuditFilter(
        actor=actor, action=action, outcome=outcome, since=since, until=until
    )
    rows = await service.list_events(
        session, where, limit=limit + 1, before_id=decode_cursor(cursor)
    )
    page = rows[:limit]
    return AuditLogPage(
        items=[AuditLogOut.model_validate(row) for row in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit else None,
    )
