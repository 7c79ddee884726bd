"""The audit log as the API shows it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class AuditLogOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    created_at: datetime
    actor_id: int | None
    actor: str | None
    action: str
    outcome: str
    target_type: str | None
    target_id: str | None
    client_ip: str | None
    request_id: str | None
    details: dict[str, Any]


class AuditLogPage(BaseModel):
    items: list[AuditLogOut]
    next_cursor: str | None
