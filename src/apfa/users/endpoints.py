"""User administration (admin:users:manage) and changing one's own password."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response

from apfa.audit import service as audit
from apfa.auth.context import actor_of, end_all_sessions, forget_principal
from apfa.auth.dependencies import CurrentPrincipal, UsersManager
from apfa.auth.passwords import verify_password_async
from apfa.auth.permissions import Role
from apfa.auth.service import Principal, get_by_id
from apfa.core.db import SESSIONMAKER
from apfa.core.dependencies import SessionDep
from apfa.core.errors import InvalidInput, NotAuthenticated, NotFound
from apfa.core.pagination import Cursor, Limit, RowId, decode_cursor, encode_cursor
from apfa.models import User
from apfa.users import service
from apfa.users.schemas import PasswordChange, UserCreate, UserPage, UserRead, UserUpdate

router = APIRouter(tags=["users"])


async def _find(session: SessionDep, user_id: int) -> User:
    user = await get_by_id(session, user_id)
    if user is None:
        raise NotFound(f"user {user_id} not found")
    return user


@router.post("/api/v1/users", status_code=201, response_model=UserRead)
async def create_user(
    body: UserCreate, principal: UsersManager, request: Request, session: SessionDep
) -> UserRead:
    """Create an account. The password must pass the password policy."""
    user = await service.create_user(session, body.username, body.password, body.role)
    await audit.record(
        session,
        actor_of(request, principal),
        "user_create",
        target_type="user",
        target_id=user.id,
        details={"username": user.username, "role": user.role},
    )
    return UserRead.model_validate(user)


@router.get("/api/v1/users", response_model=UserPage)
async def list_users(
    _: UsersManager,
    session: SessionDep,
    limit: Limit = 50,
    cursor: Cursor = None,
    role: Annotated[Role | None, Query()] = None,
    is_active: Annotated[bool | None, Query()] = None,
) -> UserPage:
    """Accounts in creation order, optionally only one role or only (in)active ones."""
    rows = await service.list_users(
        session, limit=limit + 1, after_id=decode_cursor(cursor), role=role, is_active=is_active
    )
    page = rows[:limit]
    return UserPage(
        items=[UserRead.model_validate(user) for user in page],
        next_cursor=encode_cursor(page[-1].id) if len(rows) > limit else None,
    )


@router.get("/api/v1/users/{user_id}", response_model=UserRead)
async def get_user(user_id: RowId, _: UsersManager, session: SessionDep) -> UserRead:
    return UserRead.model_validate(await _find(session, user_id))


async def _change_role(session: SessionDep, actor: audit.Actor, user: User, role: Role) -> None:
    old = user.role
    user.role = role.value
    await session.flush()
    await audit.record(
        session,
        actor,
        "role_change",
        target_type="user",
        target_id=user.id,
        details={"username": user.username, "old_role": old, "new_role": role.value},
    )


async def _change_active(
    request: Request, session: SessionDep, actor: audit.Actor, user: User, active: bool
) -> None:
    user.is_active = active
    await session.flush()
    if not active:
        await end_all_sessions(request, session, user.id, reason="deactivated")
    await audit.record(
        session,
        actor,
        "reactivate" if active else "deactivate",
        target_type="user",
        target_id=user.id,
        details={"username": user.username},
    )


@router.patch("/api/v1/users/{user_id}", response_model=UserRead)
async def update_user(
    user_id: RowId, body: UserUpdate, principal: UsersManager, request: Request, session: SessionDep
) -> UserRead:
    """Change a user's role or active flag; applies to that user's next request.

    Deactivation ends every session of the user. A change that would leave no active
    super_admin is refused with 409, whoever makes it.
    """
    user = await _find(session, user_id)
    new_role = body.role if body.role is not None and body.role.value != user.role else None
    new_active = body.is_active if body.is_active != user.is_active else None
    role_after = new_role.value if new_role is not None else user.role
    active_after = user.is_active if new_active is None else new_active
    super_role = Role.SUPER_ADMIN.value
    was_super = user.is_active and user.role == super_role
    if was_super and not (active_after and role_after == super_role):
        await service.ensure_super_admin_remains(session, user.id)
    actor = actor_of(request, principal)
    if new_role is not None:
        await _change_role(session, actor, user, new_role)
    if new_active is not None:
        await _change_active(request, session, actor, user, new_active)
    forget_principal(request, session, user.id)
    return UserRead.model_validate(user)


@router.put("/api/v1/users/me/password", status_code=204)
async def change_password(
    body: PasswordChange, principal: CurrentPrincipal, request: Request, session: SessionDep
) -> Response:
    """Change the caller's password; every other session of the caller ends."""
    user = await get_by_id(session, principal.user_id)
    if user is None:
        raise NotAuthenticated()
    if not await verify_password_async(user.password_hash, body.old_password):
        await _record_failed_change(request, principal)
        raise InvalidInput("old_password: the current password is incorrect")
    if body.new_password == body.old_password:
        raise InvalidInput("new_password: must differ from the current password")
    try:
        await service.set_password(session, user, body.new_password)
    except InvalidInput as exc:
        raise InvalidInput(f"new_password: {exc.detail}") from exc
    await end_all_sessions(
        request, session, user.id, reason="password_change", keep=principal.session_id
    )
    await audit.record(
        session,
        actor_of(request, principal),
        "password_change",
        target_type="user",
        target_id=user.id,
        details={"username": user.username},
    )
    return Response(status_code=204)


async def _record_failed_change(request: Request, principal: Principal) -> None:
    await audit.record_now(
        SESSIONMAKER.of(request),
        actor_of(request, principal),
        "password_change",
        outcome=audit.FAILURE,
        target_type="user",
        target_id=principal.user_id,
        details={"reason": "wrong old password"},
    )
