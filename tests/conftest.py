"""Shared fixtures: a fresh database per backend (SQLite and PostgreSQL), the real embedding
model loaded once, a small corpus ingested through the real pipeline, and the ASGI app.

PostgreSQL tests skip with a reason on a machine without a server, and fail under CI.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from fastapi import FastAPI
from pydantic import SecretStr

from apfa.auth.permissions import Role
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.flows import IngestReport, ingest_and_publish
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from storage_support import s3_bucket, s3_endpoint  # noqa: F401 - shared fixtures
from support import PASSWORD, login

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
POSTGRES_ADMIN_URL = os.environ.get(
    "APFA_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test"
)
CORPUS = Path(__file__).parent / "data" / "corpus"
# The ONNX embedding backends export the model into the model cache on first use: one
# cache for the whole session (servers and workers started by tests inherit it), so
# the export runs once instead of once per test's var directory.
_OWN_MODEL_CACHE = "APFA_MODEL_CACHE_DIR" not in os.environ
if _OWN_MODEL_CACHE:
    os.environ["APFA_MODEL_CACHE_DIR"] = tempfile.mkdtemp(prefix="apfa-test-models-")


@pytest.fixture(scope="session", autouse=True)
def _model_cache() -> Iterator[None]:
    yield
    if _OWN_MODEL_CACHE:
        shutil.rmtree(os.environ["APFA_MODEL_CACHE_DIR"], ignore_errors=True)


def unavailable(reason: str) -> None:
    """Skip on a developer machine; fail in CI, where every service must be present."""
    if IN_CI:
        pytest.fail(f"required service missing in CI: {reason}")
    pytest.skip(reason)


def _postgres_error() -> str | None:
    async def probe() -> None:
        conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=3)
        await conn.close()

    try:
        asyncio.run(probe())
    except Exception as exc:
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {exc}"
    return None


async def _admin_execute(sql: str) -> None:
    conn = await asyncpg.connect(POSTGRES_ADMIN_URL, timeout=5)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


def postgres_database() -> Iterator[str]:
    """A throwaway database on the shared server, dropped afterwards."""
    error = _postgres_error()
    if error:
        unavailable(error)
    name = f"apfa_test_{uuid.uuid4().hex[:12]}"
    asyncio.run(_admin_execute(f'CREATE DATABASE "{name}"'))
    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        asyncio.run(_admin_execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def embedder() -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(device="cpu")


@pytest.fixture(
    scope="session", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path_factory.mktemp('sqlite') / 'apfa.db'}"
        return
    yield from postgres_database()


def make_settings(var_dir: Path, database_url: str, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "var_dir": var_dir,
        "database_url": database_url,
        "jwt_secret": SecretStr("test-secret-" + "x" * 40),
        "environment": "test",
        "log_level": "WARNING",
        "rate_limit_token": "100000/minute",
        "rate_limit_advice": "100000/minute",
        "rate_limit_refresh": "100000/minute",
        "rate_limit_upload": "100000/minute",
        "rate_limit_search": "100000/minute",
        "rate_limit_ws_connect": "100000/minute",
        # A model copy in a child process per app is slow to start; the tests of that path
        # (tests/providers/test_embedding_process.py, tests/documents) turn it on.
        "embedding_process": False,
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    loaded = make_settings(tmp_path_factory.mktemp("var"), database_url)
    upgrade_to_head(loaded)
    return loaded


@pytest.fixture
def isolated_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Settings]:
    """A fresh, migrated database on the same backend, for tests that change shared state."""
    var_dir = tmp_path_factory.mktemp("isolated")
    for url in fresh_database(database_url, var_dir):
        loaded = make_settings(var_dir, url)
        upgrade_to_head(loaded)
        yield loaded


def fresh_database(database_url: str, var_dir: Path) -> Iterator[str]:
    """An empty database on the backend of ``database_url`` (a file in ``var_dir``, or a
    throwaway PostgreSQL database dropped when the generator finishes)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite+aiosqlite:///{var_dir / 'apfa.db'}"
        return
    yield from postgres_database()


@pytest.fixture(scope="session")
async def ingested(settings: Settings, embedder: SentenceTransformerEmbedder) -> IngestReport:
    engine = create_engine(settings)
    try:
        return await ingest_and_publish(
            create_sessionmaker(engine), embedder, settings.index_dir, [CORPUS]
        )
    finally:
        await engine.dispose()


@pytest.fixture(scope="session")
async def users(settings: Settings) -> dict[Role, str]:
    """One user per role, all with PASSWORD. Maps role -> username."""
    engine = create_engine(settings)
    names = {role: f"{role.value.replace('_', '-')}-1" for role in Role}
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            for role, name in names.items():
                await create_user(session, name, PASSWORD, role)
    finally:
        await engine.dispose()
    return names


@pytest.fixture(scope="session")
async def app(
    settings: Settings,
    embedder: SentenceTransformerEmbedder,
    ingested: IngestReport,
    users: dict[Role, str],
) -> AsyncIterator[FastAPI]:
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture(scope="session")
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
        yield http


@pytest.fixture(scope="session")
async def tokens(client: httpx.AsyncClient, users: dict[Role, str]) -> dict[Role, str]:
    return {role: await login(client, name) for role, name in users.items()}
