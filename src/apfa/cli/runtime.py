"""What CLI commands share: settings, a database session maker, and an async runner."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import NoReturn, TypeVar

import anyio
import typer
from pydantic import ValidationError
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.audit.service import Actor
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.core.objectstore import ObjectStoreError, check_object_store
from apfa.observability.logging import configure_logging

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def fail(message: str, code: int = 2) -> NoReturn:
    """End the command with one line on stderr (never wrapped), and no traceback."""
    typer.echo(f"apfa: {message}", err=True)
    raise typer.Exit(code)


def settings() -> Settings:
    try:
        loaded = Settings()
    except ValidationError as exc:
        first = exc.errors()[0]
        name = "APFA_" + str(first["loc"][0]).upper() if first["loc"] else "settings"
        more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
        fail(f"{name}: {first['msg']}{more}")
    configure_logging("WARNING", json=loaded.log_json)
    return loaded


def check_storage(loaded: Settings) -> None:
    """Refuse to start when the configured object store cannot be used: one line."""
    try:
        check_object_store(loaded)
    except ObjectStoreError as exc:
        fail(str(exc))


@asynccontextmanager
async def database(loaded: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(loaded)
    try:
        yield create_sessionmaker(engine)
    finally:
        await engine.dispose()


def run(fn: Callable[[], Awaitable[T]]) -> T:
    return anyio.run(fn)


def cli_actor() -> Actor:
    """Who ran a CLI command, for the audit log."""
    try:
        who = getpass.getuser()
    except (KeyError, OSError):
        who = "unknown"
    return Actor(None, f"cli:{who}"[:64], None)
