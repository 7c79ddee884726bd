"""Which rooms exist and the permission each needs (API contract, "Real-time")."""

from __future__ import annotations

from apfa.auth.permissions import Permission
from apfa.events.sink import INDEX_ROOM, METRICS_ROOM, TASKS_ROOM

ROOM_PERMISSIONS: dict[str, Permission] = {
    TASKS_ROOM: Permission.CELERY_VIEW,
    INDEX_ROOM: Permission.CELERY_VIEW,
    METRICS_ROOM: Permission.METRICS_VIEW,
}


def visible_rooms(permissions: frozenset[Permission]) -> frozenset[str]:
    return frozenset(room for room, needed in ROOM_PERMISSIONS.items() if needed in permissions)


def refusal(room: object, permissions: frozenset[Permission]) -> str | None:
    """Why a caller with ``permissions`` may not join ``room``, or None when they may."""
    if not isinstance(room, str) or room not in ROOM_PERMISSIONS:
        return f"unknown room {room!r}; rooms are {', '.join(sorted(ROOM_PERMISSIONS))}"
    needed = ROOM_PERMISSIONS[room]
    if needed not in permissions:
        return f"forbidden: room {room!r} requires permission {needed.value}"
    return None
