"""Where the JWT signing keys come from: configuration, a shared file, or (one host only)
a secret generated once under var/secrets."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import AsyncExitStack
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from pydantic import SecretStr

from apfa.auth.permissions import Role
from apfa.auth.tokens import InvalidToken, TokenService
from apfa.core.config import Settings
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.core.secrets import SecretsError, jwt_keyring
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from conftest import fresh_database, make_settings
from support import PASSWORD, bearer, login

POSTGRES = "postgresql+asyncpg://apfa@db.internal/apfa"
SECRET = "shared-" + "k" * 40


def settings_for(var_dir: Path, database_url: str | None = None, **values: object) -> Settings:
    """Settings with no JWT key configured unless ``values`` name one."""
    values = {"jwt_secret": None, **values}
    url = database_url or f"sqlite+aiosqlite:///{var_dir / 'apfa.db'}"
    return make_settings(var_dir, url, **values)


def tokens_of(settings: Settings) -> TokenService:
    keys, active = jwt_keyring(settings)
    return TokenService(keys, active, issuer="apfa", audience="apfa-api", ttl=timedelta(minutes=5))


def test_one_host_generates_its_secret_once(tmp_path: Path) -> None:
    settings = settings_for(tmp_path)
    keys, active = jwt_keyring(settings)
    assert active == "generated"
    assert (tmp_path / "secrets" / "jwt_secret").stat().st_mode & 0o777 == 0o600
    assert jwt_keyring(settings) == (keys, active)


@pytest.mark.parametrize(
    ("database_url", "backend", "reason"),
    [
        (POSTGRES, "local", "the database is not SQLite"),
        (None, "celery", "APFA_TASK_BACKEND=celery"),
    ],
)
def test_several_hosts_refuse_a_secret_of_their_own(
    tmp_path: Path, database_url: str | None, backend: str, reason: str
) -> None:
    settings = settings_for(tmp_path, database_url, task_backend=backend)
    with pytest.raises(SecretsError) as refused:
        jwt_keyring(settings)
    message = str(refused.value)
    assert message.startswith("APFA_JWT_SECRET (or APFA_JWT_SECRET_FILE) must be set when")
    assert reason in message
    assert "secrets.token_urlsafe(48)" in message
    assert "\n" not in message
    assert not (tmp_path / "secrets").exists()


def test_a_secret_file_is_read_without_its_newline(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    path.write_text(SECRET + "\n", encoding="utf-8")
    settings = settings_for(tmp_path, POSTGRES, jwt_secret_file=path)
    assert jwt_keyring(settings) == ({"primary": SECRET}, "primary")


def test_a_keys_file_carries_the_kids_for_rotation(tmp_path: Path) -> None:
    old, new = "old-" + "o" * 40, "new-" + "n" * 40
    path = tmp_path / "jwt_keys.json"
    path.write_text(json.dumps({"2026-05": old}), encoding="utf-8")
    before = tokens_of(settings_for(tmp_path, POSTGRES, jwt_keys_file=path))
    issued = before.issue_access(subject="1", role="user", session_id="s").token

    path.write_text(json.dumps({"2026-11": new, "2026-05": old}), encoding="utf-8")
    rotated = settings_for(tmp_path, POSTGRES, jwt_keys_file=path, jwt_active_kid="2026-11")
    after = tokens_of(rotated)
    assert after.decode_access(issued).subject == "1"
    fresh = after.issue_access(subject="2", role="user", session_id="s").token
    with pytest.raises(InvalidToken):
        before.decode_access(fresh)


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (None, "cannot read"),
        ("", "is empty"),
        ("not json", "is not JSON"),
        ('["a list"]', "must hold a JSON object"),
    ],
)
def test_a_bad_keys_file_is_named(tmp_path: Path, content: str | None, error: str) -> None:
    path = tmp_path / "jwt_keys.json"
    if content is not None:
        path.write_text(content, encoding="utf-8")
    with pytest.raises(SecretsError, match=error):
        jwt_keyring(settings_for(tmp_path, POSTGRES, jwt_keys_file=path))


def test_a_secret_and_its_file_together_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    path.write_text(SECRET, encoding="utf-8")
    settings = settings_for(tmp_path, jwt_secret=SecretStr(SECRET), jwt_secret_file=path)
    with pytest.raises(SecretsError, match="not both"):
        jwt_keyring(settings)


def test_hosts_reading_one_secret_file_accept_each_others_tokens(tmp_path: Path) -> None:
    path = tmp_path / "jwt_secret"
    path.write_text(SECRET, encoding="utf-8")
    a = tokens_of(settings_for(tmp_path / "a", POSTGRES, jwt_secret_file=path))
    b = tokens_of(settings_for(tmp_path / "b", POSTGRES, jwt_secret_file=path))
    token = a.issue_access(subject="7", role="admin", session_id="s").token
    assert b.decode_access(token).subject == "7"
    # Without a shared key each host generates its own, and the other's tokens fail.
    alone_a, alone_b = (
        tokens_of(settings_for(tmp_path / "c")),
        tokens_of(settings_for(tmp_path / "d")),
    )
    with pytest.raises(InvalidToken):
        alone_b.decode_access(alone_a.issue_access(subject="7", role="admin", session_id="s").token)


@pytest.fixture
def shared_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database with one user, for two hosts to share."""
    for url in fresh_database(database_url, tmp_path):
        settings = settings_for(tmp_path, url, jwt_secret=SecretStr(SECRET))
        upgrade_to_head(settings)
        asyncio.run(_add_user(settings))
        yield url


async def _add_user(settings: Settings) -> None:
    engine = create_engine(settings)
    try:
        async with session_scope(create_sessionmaker(engine)) as session:
            await create_user(session, "shared-host-user", PASSWORD, Role.USER)
    finally:
        await engine.dispose()


async def test_two_apps_share_logins_through_the_secret_file(
    shared_database: str, tmp_path: Path, embedder: SentenceTransformerEmbedder
) -> None:
    """Two API "hosts" with their own var directories, one database and one secret file:
    a token issued by one is accepted by the other."""
    path = tmp_path / "jwt_secret"
    path.write_text(SECRET + "\n", encoding="utf-8")
    clients = []
    async with AsyncExitStack() as stack:
        for name in ("a", "b"):
            settings = settings_for(tmp_path / name, shared_database, jwt_secret_file=path)
            app = create_app(settings, embedder=embedder)
            await stack.enter_async_context(app.router.lifespan_context(app))
            transport = httpx.ASGITransport(app=app)
            client = httpx.AsyncClient(transport=transport, base_url="http://apfa.test")
            clients.append(await stack.enter_async_context(client))
        token = await login(clients[0], "shared-host-user")
        me = await clients[1].get("/api/v1/users/me", headers=bearer(token))
    assert me.status_code == 200, me.text
    assert me.json()["username"] == "shared-host-user"
    assert not (tmp_path / "a" / "secrets").exists()
    assert not (tmp_path / "b" / "secrets").exists()


def test_several_keys_need_an_active_kid(tmp_path: Path) -> None:
    keys = {"2026-05": SecretStr("o" * 40), "2026-11": SecretStr("n" * 40)}
    with pytest.raises(SecretsError, match="APFA_JWT_ACTIVE_KID to one of the key ids: 2026-05"):
        jwt_keyring(settings_for(tmp_path, POSTGRES, jwt_keys=keys))
    path = tmp_path / "jwt_keys.json"
    path.write_text(json.dumps({"2026-11": "n" * 40}), encoding="utf-8")
    with pytest.raises(SecretsError, match="APFA_JWT_KEYS or APFA_JWT_KEYS_FILE, not both"):
        jwt_keyring(settings_for(tmp_path, POSTGRES, jwt_keys=keys, jwt_keys_file=path))
