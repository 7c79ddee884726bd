from __future__ import annotations

import secrets
import sys
from typing import Annotated

import typer

from apfa.auth.password_policy import check_password
from apfa.auth.permissions import Role
from apfa.cli.runtime import console, database, err_console, run, settings
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.errors import AppError
from apfa.core.secrets import configured_secret
from apfa.users import service

app = typer.Typer(help="Manage users.", no_args_is_help=True)

BOOTSTRAP_USERNAME = "admin"


def _read_password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    password: str = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    return password


@app.command("create")
def create(
    username: str,
    role: Annotated[Role, typer.Option(help="user, financial_advisor, admin or super_admin")],
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input")
    ] = False,
) -> None:
    """Create a user with an Argon2-hashed password."""
    password = _read_password(password_stdin)
    loaded = settings()

    async def _create() -> int:
        async with database(loaded) as maker, session_scope(maker) as session:
            user = await service.create_user(session, username, password, role)
            return user.id

    try:
        user_id = run(_create)
    except AppError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(code=1) from exc
    console.print(f"created user [bold]{username}[/bold] (id {user_id}, role {role.value})")


def bootstrap_password(loaded: Settings) -> str | None:
    """The configured password of the first super_admin, checked against the password
    policy; raises ``SecretsError`` or ``InvalidInput`` naming what is wrong."""
    given = configured_secret(
        loaded.bootstrap_admin_password,
        loaded.bootstrap_admin_password_file,
        "APFA_BOOTSTRAP_ADMIN_PASSWORD",
    )
    if given is not None:
        check_password(given, username=BOOTSTRAP_USERNAME)
    return given


async def ensure_bootstrap_admin(loaded: Settings) -> str | None:
    """Create the first super_admin when there are no users. Returns the new password
    when one was generated, so the caller can show it once."""
    async with database(loaded) as maker, session_scope(maker) as session:
        if await service.count_users(session) > 0:
            return None
        given = bootstrap_password(loaded)
        password = given or secrets.token_urlsafe(18)
        await service.create_user(session, BOOTSTRAP_USERNAME, password, Role.SUPER_ADMIN)
    return None if given else password
