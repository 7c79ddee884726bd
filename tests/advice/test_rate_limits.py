"""The advice rate limit: per user, per role, with headers, in one process and across two
``apfa serve`` processes sharing a throwaway Redis."""

from __future__ import annotations

import os
import shutil
import socket
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import get_args

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from apfa.advice.history import HISTORY_WRITER
from apfa.auth.permissions import Role
from apfa.core.config import RoleName, Settings
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.core.ratelimit import RateLimiter
from apfa.main import create_app
from apfa.models import AdviceRequest
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from conftest import unavailable
from support import PASSWORD, SHARED_MODELS, bearer, login

APFA = str(Path(sys.executable).parent / "apfa")
QUESTION = {"query": "How is the back-end debt-to-income ratio calculated?"}


@pytest.fixture
async def limited(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    settings = isolated_settings.model_copy(
        update={
            "rate_limit_advice": "3/minute",
            "rate_limit_advice_roles": {"super_admin": "1000/minute"},
        }
    )
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield application, http


async def _user(app: FastAPI, http: httpx.AsyncClient, role: Role) -> tuple[int, str]:
    name = f"rl-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await create_user(session, name, PASSWORD, role)
        user_id = user.id
    return user_id, await login(http, name)


async def _rows(app: FastAPI, user_id: int) -> int:
    await HISTORY_WRITER.of(app).flush()
    async with SESSIONMAKER.of(app)() as session:
        count = await session.scalar(
            select(func.count()).select_from(AdviceRequest).where(AdviceRequest.user_id == user_id)
        )
    return int(count or 0)


async def test_advice_is_limited_per_user_with_headers(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = limited
    user_id, token = await _user(app, http, Role.USER)
    responses = [await http.post("/api/v1/advice", json=QUESTION, headers=bearer(token))]
    responses += [await http.post("/generate-advice", json=QUESTION, headers=bearer(token))]
    responses += [await http.post("/api/v1/advice", json=QUESTION, headers=bearer(token))]
    refused = await http.post("/generate-advice", json=QUESTION, headers=bearer(token))
    invalid = await http.post("/api/v1/advice", json={"query": ""}, headers=bearer(token))
    assert [r.status_code for r in responses] == [200, 200, 200]
    assert [r.headers["x-ratelimit-limit"] for r in responses] == ["3", "3", "3"]
    assert [r.headers["x-ratelimit-remaining"] for r in responses] == ["2", "1", "0"]
    assert all(0 < int(r.headers["x-ratelimit-reset"]) <= 60 for r in responses)
    assert "retry-after" not in responses[0].headers
    for response in (refused, invalid):
        assert response.status_code == 429, response.text
        assert response.json()["error"] == "rate_limited"
        assert response.json()["request_id"] == response.headers["x-request-id"]
        assert 0 < int(response.headers["retry-after"]) <= 60
        assert response.headers["x-ratelimit-remaining"] == "0"
        assert response.headers["x-ratelimit-limit"] == "3"
    # The refusals did no advice work: only the three answers are in the history.
    assert await _rows(app, user_id) == 3
    _, other = await _user(app, http, Role.USER)
    assert (await http.post("/api/v1/advice", json=QUESTION, headers=bearer(other))).is_success


async def test_role_override_and_unauthenticated_calls(
    limited: tuple[FastAPI, httpx.AsyncClient],
) -> None:
    app, http = limited
    _, token = await _user(app, http, Role.SUPER_ADMIN)
    statuses = []
    for _ in range(6):
        response = await http.post("/api/v1/advice", json=QUESTION, headers=bearer(token))
        statuses.append(response.status_code)
    assert statuses == [200] * 6
    assert response.headers["x-ratelimit-limit"] == "1000"
    assert response.headers["x-ratelimit-remaining"] == "994"
    anonymous = await http.post("/api/v1/advice", json=QUESTION)
    assert anonymous.status_code == 401
    assert "x-ratelimit-limit" not in anonymous.headers


def test_role_names_in_settings_match_the_roles() -> None:
    assert set(get_args(RoleName)) == {role.value for role in Role}
    with pytest.raises(ValueError, match="role"):
        Settings(_env_file=None, rate_limit_advice_roles={"emperor": "1/minute"})
    with pytest.raises(ValueError, match="rate limit"):
        Settings(_env_file=None, rate_limit_advice="lots")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


async def test_unreachable_redis_fails_open() -> None:
    failures: list[None] = []
    limiter = RateLimiter(
        f"redis://127.0.0.1:{free_port()}/0", on_storage_error=lambda: failures.append(None)
    )
    verdicts = [await limiter.hit("1/minute", "advice", "7") for _ in range(3)]
    assert all(v.allowed and v.degraded for v in verdicts)
    assert verdicts[0].headers()["X-RateLimit-Limit"] == "1"
    assert len(failures) == 3


@pytest.fixture(scope="module")
def redis_url() -> Iterator[str]:
    """Our own throwaway redis-server on a free port; never the shared one."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed")
        return
    port = free_port()
    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while True:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1) as conn:
                    conn.sendall(b"PING\r\n")
                    if conn.recv(16).startswith(b"+PONG"):
                        break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    unavailable(f"redis-server did not start on port {port}")
                time.sleep(0.1)
        yield f"redis://127.0.0.1:{port}/0"
    finally:
        server.terminate()
        server.wait(timeout=10)


def _apfa_env(var_dir: Path, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update(
        APFA_VAR_DIR=str(var_dir),
        APFA_JWT_SECRET="two-processes-" + "s" * 40,
        APFA_REDIS_URL=redis_url,
        APFA_RATE_LIMIT_ADVICE="5/minute",
        APFA_EMBEDDING_DEVICE="cpu",
        APFA_LOG_LEVEL="WARNING",
    )
    return env


def _wait_healthy(port: int, server: subprocess.Popen[bytes], timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"apfa serve on port {port} exited with {server.returncode}")
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    pytest.fail(f"apfa serve on port {port} did not start")


@pytest.fixture
def two_servers(tmp_path: Path, redis_url: str) -> Iterator[tuple[int, int]]:
    env = _apfa_env(tmp_path, redis_url)

    def apfa(*args: str, stdin: str | None = None) -> None:
        done = subprocess.run(
            [APFA, *args], input=stdin, env=env, cwd=tmp_path, capture_output=True, text=True
        )
        assert done.returncode == 0, done.stderr

    apfa("migrate")
    apfa("users", "create", "carol", "--role", "user", "--password-stdin", stdin=PASSWORD + "\n")
    ports = (free_port(), free_port())
    servers = [
        subprocess.Popen(
            [APFA, "serve", "--port", str(port)],
            env=env,
            cwd=tmp_path,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for port in ports
    ]
    try:
        for port, server in zip(ports, servers, strict=True):
            _wait_healthy(port, server)
        yield ports
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=30)


@pytest.mark.slow
def test_limit_holds_across_two_processes_sharing_redis(
    two_servers: tuple[int, int], tmp_path: Path
) -> None:
    first, second = two_servers
    with httpx.Client(timeout=60) as http:
        login = http.post(
            f"http://127.0.0.1:{first}/token",
            data={"username": "carol", "password": PASSWORD},
            headers={"X-Forwarded-For": "198.51.100.77"},
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        statuses = [
            http.post(
                f"http://127.0.0.1:{(first, second)[i % 2]}/api/v1/advice",
                json=QUESTION,
                headers=bearer(token),
            ).status_code
            for i in range(20)
        ]
    assert statuses.count(200) == 5, statuses
    assert statuses.count(429) == 15, statuses
    # Each process alone would have accepted five.
    assert set(statuses[:5]) == {200}
    # uvicorn itself must not believe X-Forwarded-For (no proxies are trusted by default).
    with sqlite3.connect(tmp_path / "apfa.db") as db:
        (ip,) = db.execute("SELECT client_ip FROM audit_logs WHERE action = 'login'").fetchone()
    assert ip == "127.0.0.1"
