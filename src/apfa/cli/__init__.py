"""The ``apfa`` command line."""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Annotated

import typer
from rich.panel import Panel

from apfa.auth.tokens import TokenService
from apfa.cli import auth, index, kb, users, workers
from apfa.cli.runtime import check_storage, console, database, fail, run, settings
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.errors import AppError
from apfa.core.http_server import PROTOCOL_PATH
from apfa.core.migrate import upgrade_to_head
from apfa.core.openapi import render_document
from apfa.core.secrets import SecretsError, jwt_keyring
from apfa.knowledge import service
from apfa.knowledge.flows import BUNDLED_CORPUS
from apfa.observability.exposition import multiprocess_metrics

app = typer.Typer(
    help="APFA: grounded, personalised loan and personal-finance advice.", no_args_is_help=True
)
app.add_typer(users.app, name="users")
app.add_typer(kb.app, name="kb")
app.add_typer(index.app, name="index")
app.add_typer(auth.app, name="auth")
app.command("worker")(workers.worker)
app.command("beat")(workers.beat)


@app.command()
def migrate() -> None:
    """Bring the database schema up to date."""
    upgrade_to_head(settings())
    console.print("database schema is up to date")


@app.command()
def bootstrap() -> None:
    """First-run setup: migrate, create the first admin, load the bundled knowledge base."""
    loaded = settings()
    check_storage(loaded)
    try:
        users.bootstrap_password(loaded)
    except SecretsError as exc:
        fail(str(exc))
    except AppError as exc:
        fail(f"APFA_BOOTSTRAP_ADMIN_PASSWORD is refused: {exc.detail}")
    upgrade_to_head(loaded)
    password = run(lambda: users.ensure_bootstrap_admin(loaded))
    if password is not None:
        console.print(
            Panel(
                f"username: [bold]{users.BOOTSTRAP_USERNAME}[/bold]\n"
                f"password: [bold]{password}[/bold]\n\n"
                "This password is shown only once. Store it now, or set "
                "APFA_BOOTSTRAP_ADMIN_PASSWORD before the first run to choose it.",
                title="APFA super_admin created",
                border_style="yellow",
            )
        )

    async def _has_index() -> bool:
        async with database(loaded) as maker, session_scope(maker) as session:
            return await service.active_version(session) is not None

    if not run(_has_index):
        console.print("loading the bundled knowledge base (first run only)...")
        kb.print_report(run(lambda: kb.ingest(loaded, [BUNDLED_CORPUS])))


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address (APFA_HOST)")] = None,
    port: Annotated[int | None, typer.Option(help="Port (APFA_PORT)")] = None,
    workers: Annotated[int, typer.Option(min=1, help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API."""
    import uvicorn

    loaded = settings()
    check_signing_keys(loaded)
    check_storage(loaded)
    with multiprocess_metrics(workers):
        uvicorn.run(
            "apfa.main:create_app",
            factory=True,
            host=host or loaded.host,
            port=port or loaded.port,
            workers=workers,
            access_log=False,
            log_level="warning",
            # The app decides which proxies to believe (APFA_TRUSTED_PROXIES); uvicorn's own
            # default would trust X-Forwarded-For from 127.0.0.1.
            proxy_headers=False,
            # Header size and count limits, head and body deadlines (APFA_HTTP_*).
            http=PROTOCOL_PATH,
            timeout_keep_alive=loaded.http_keep_alive_seconds,
        )


@app.command()
def openapi(
    output: Annotated[
        Path | None, typer.Option(help="Write the document here instead of to stdout")
    ] = None,
) -> None:
    """Print the OpenAPI document (the committed openapi.json); builds the app, starts nothing."""
    from apfa.main import create_app

    document = render_document(create_app(settings()))
    if output is None:
        sys.stdout.write(document)
    else:
        output.write_text(document, encoding="utf-8")


def check_signing_keys(loaded: Settings) -> None:
    """Refuse to serve with JWT keys the API processes would not share or could not use,
    before uvicorn starts them (each process resolves the keys again for itself)."""
    try:
        keys, active = jwt_keyring(loaded)
        ttl = timedelta(minutes=loaded.access_token_minutes)
        TokenService(keys, active, issuer=loaded.jwt_issuer, audience=loaded.jwt_audience, ttl=ttl)
    except (SecretsError, ValueError) as exc:
        fail(str(exc))
