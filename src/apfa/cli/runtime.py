"""What CLI commands share: settings, a database session maker, and an async runner."""

from __future__ import annotations

import getpass
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import TypeVar

import anyio
from rich.console import Console
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.audit.service import Actor
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker
from apfa.observability.logging import configure_logging

T = TypeVar("T")
console = Console()
err_console = Console(stderr=True)


def settings() -> Settings:
    loaded = Settings()
    configure_logging("WARNING", json=loaded.log_json)
    return loaded


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
