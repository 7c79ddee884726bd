from __future__ import annotations

import typer
from rich.table import Table

from apfa.audit import service as audit
from apfa.cli.runtime import (
    check_storage,
    cli_actor,
    console,
    database,
    err_console,
    run,
    settings,
)
from apfa.core.db import session_scope
from apfa.core.errors import AppError
from apfa.core.objectstore import object_store
from apfa.core.redis import connect_redis
from apfa.knowledge import service
from apfa.knowledge.index.sync import announce
from apfa.knowledge.index.versions import activate_version

app = typer.Typer(help="Index versions: list, activate, roll back.", no_args_is_help=True)


@app.command("list")
def list_versions() -> None:
    """Every index version, newest first."""
    loaded = settings()

    async def _list() -> list[tuple[str, ...]]:
        async with database(loaded) as maker, session_scope(maker) as session:
            return [
                (
                    str(v.id),
                    v.status,
                    "yes" if v.is_active else "",
                    f"{v.vector_count:,}",
                    str(v.document_count),
                    v.index_type,
                    v.model,
                    (v.checksum or "")[:12],
                    v.created_at.isoformat(timespec="seconds"),
                )
                for v in await service.list_versions(session)
            ]

    table = Table(
        "version", "status", "active", "vectors", "docs", "type", "model", "checksum", "created"
    )
    for row in run(_list):
        table.add_row(*row)
    console.print(table)


@app.command("activate")
def activate(version: int) -> None:
    """Serve VERSION (also how to roll back). Running servers switch within a second."""
    loaded = settings()
    check_storage(loaded)

    async def _activate() -> None:
        redis = connect_redis(loaded.redis_url) if loaded.redis_url else None

        async def tell(activated: int, stamp: float) -> None:
            await announce(redis, activated, stamp)

        async with database(loaded) as maker:
            try:
                await activate_version(
                    maker,
                    loaded.index_dir,
                    version,
                    on_activated=tell,
                    store=object_store(loaded),
                )
            finally:
                if redis is not None:
                    await redis.aclose()
            await audit.record_now(
                maker,
                cli_actor(),
                "index_activate",
                target_type="index_version",
                target_id=version,
            )

    try:
        run(_activate)
    except AppError as exc:
        err_console.print(f"[red]error:[/red] {exc.detail}")
        raise typer.Exit(code=1) from exc
    console.print(f"index version {version} is active")
