"""Framework-level dependencies shared by every domain.

Accessors of app state are ``async def`` on purpose: FastAPI runs plain ``def``
dependencies in a worker thread, a hop that costs more than the lookup itself.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from apfa.core.config import SETTINGS, Settings
from apfa.core.db import SESSIONMAKER, session_scope


async def get_settings(request: Request) -> Settings:
    return SETTINGS.of(request)


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with session_scope(SESSIONMAKER.of(request)) as session:
        yield session


SettingsDep = Annotated[Settings, Depends(get_settings)]
SessionDep = Annotated[AsyncSession, Depends(get_session)]
