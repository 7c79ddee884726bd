"""Roles and permissions: the single source of truth for who may do what."""

from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    ADVICE_GENERATE = "advice:generate"
    ADVICE_VIEW_HISTORY = "advice:view_history"
    METRICS_VIEW = "admin:metrics:view"
    CELERY_VIEW = "admin:celery:view"
    CELERY_MANAGE = "admin:celery:manage"
    INDEX_MANAGE = "admin:index:manage"
    USERS_MANAGE = "admin:users:manage"
    AUDIT_VIEW = "admin:audit:view"


class Role(StrEnum):
    USER = "user"
    FINANCIAL_ADVISOR = "financial_advisor"
    ADMIN = "admin"
    SUPER_ADMIN = "super_admin"


_USER = frozenset({Permission.ADVICE_GENERATE, Permission.ADVICE_VIEW_HISTORY})
_ADVISOR = _USER | {Permission.METRICS_VIEW}
_ADMIN = _ADVISOR | {
    Permission.CELERY_VIEW,
    Permission.CELERY_MANAGE,
    Permission.INDEX_MANAGE,
}
_SUPER_ADMIN = _ADMIN | {Permission.USERS_MANAGE, Permission.AUDIT_VIEW}

ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.USER: _USER,
    Role.FINANCIAL_ADVISOR: frozenset(_ADVISOR),
    Role.ADMIN: frozenset(_ADMIN),
    Role.SUPER_ADMIN: frozenset(_SUPER_ADMIN),
}


def permissions_for(role: Role) -> frozenset[Permission]:
    return ROLE_PERMISSIONS[role]


ROLE_RANK: dict[Role, int] = {
    Role.USER: 0,
    Role.FINANCIAL_ADVISOR: 1,
    Role.ADMIN: 2,
    Role.SUPER_ADMIN: 3,
}


def lower_role(a: Role, b: Role) -> Role:
    return a if ROLE_RANK[a] <= ROLE_RANK[b] else b
