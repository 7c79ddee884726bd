"""A Python client generated from the committed ``openapi.json`` by openapi-python-client
talks to the app: it signs in, asks for advice and lists conversations, and every answer
parses into the generated models.

The generator pins httpx and typer below the versions APFA runs with, so it lives in an
environment of its own (``make codegen``: ``.codegen/``); the client it writes needs only
httpx, attrs and python-dateutil. Without the generator this test skips (fails in CI).
"""

from __future__ import annotations

import importlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from conftest import unavailable
from support import PASSWORD

ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = ROOT / "openapi.json"
PACKAGE = "apfa_client"
# No post hooks: the generator would run ruff on the output, which it need not be on PATH.
BASE_URL = "http://apfa.test"
CONFIG = f"package_name_override: {PACKAGE}\npost_hooks: []\n"


def _generator() -> str:
    candidates = (
        os.environ.get("APFA_OPENAPI_PYTHON_CLIENT"),
        str(ROOT / ".codegen" / "bin" / "openapi-python-client"),
        shutil.which("openapi-python-client"),
    )
    for candidate in candidates:
        if candidate and Path(candidate).is_file():
            return candidate
    unavailable("openapi-python-client is not installed (`make codegen`)")
    raise AssertionError("unreachable")


def _import_unset(package: Path) -> None:
    """openapi-python-client 0.29 annotates a required body with several media types (POST
    /token: JSON or a form) ``| Unset`` without importing ``Unset``
    (openapi-generators/openapi-python-client#1451); add the import where it is missing."""
    for module in (package / "api").rglob("*.py"):
        source = module.read_text(encoding="utf-8")
        if "| Unset" in source and not re.search(
            r"^from \.\.\.types import .*\bUnset\b", source, re.M
        ):
            module.write_text(
                source.replace("from ...types import", "from ...types import Unset,", 1),
                encoding="utf-8",
            )


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    root = tmp_path_factory.mktemp("client")
    config = root / "config.yaml"
    config.write_text(CONFIG, encoding="utf-8")
    command = [_generator(), "generate", "--path", str(DOCUMENT), "--meta", "none"]
    command += ["--output-path", str(root / PACKAGE), "--config", str(config)]
    result = subprocess.run(
        [*command, "--fail-on-warning"], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    _import_unset(root / PACKAGE)
    sys.path.insert(0, str(root))
    try:
        yield importlib.import_module(PACKAGE)
    finally:
        sys.path.remove(str(root))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(f"{PACKAGE}.")]:
            del sys.modules[name]


def _module(name: str) -> Any:
    return importlib.import_module(f"{PACKAGE}.{name}")


def _operation(tag: str, name: str) -> Any:
    return _module(f"api.{tag}.{name}")


async def test_the_generated_client_calls_the_app(
    generated: ModuleType, app: FastAPI, users: dict[Role, str]
) -> None:
    models, clients = _module("models"), _module("client")
    # In process: the generated clients build their httpx client over the app itself.
    over_app = {"transport": httpx.ASGITransport(app=app)}
    async with clients.Client(base_url=BASE_URL, httpx_args=over_app) as anonymous:
        token = await _anonymous_calls(models, anonymous, users[Role.USER])
    async with clients.AuthenticatedClient(
        base_url=BASE_URL, token=token, httpx_args=over_app
    ) as signed_in:
        await _signed_in_calls(models, signed_in, users[Role.USER])


async def _anonymous_calls(models: Any, anonymous: Any, username: str) -> str:
    """Liveness, then a refused and an accepted sign-in; returns the access token."""

    health = await _operation("operations", "health_api_v1_health_get").asyncio(client=anonymous)
    assert isinstance(health, models.Liveness)
    assert health.status == "ok"

    login = _operation("auth", "login_token_post")
    credentials = models.LoginTokenPostJsonLoginRequest
    token = await login.asyncio(
        client=anonymous, body=credentials(username=username, password=PASSWORD)
    )
    assert isinstance(token, models.TokenResponse), token
    refused = await login.asyncio_detailed(
        client=anonymous, body=credentials(username="nobody-generated", password=PASSWORD)
    )
    assert refused.status_code == 401
    assert isinstance(refused.parsed, models.ErrorEnvelope)
    assert refused.parsed.error
    access_token: str = token.access_token
    return access_token


async def _signed_in_calls(models: Any, signed_in: Any, username: str) -> None:
    advice = await _operation("advice", "generate_advice_api_v1_advice_post").asyncio(
        client=signed_in, body=models.LoanQuery(query="What credit score do I need for a mortgage?")
    )
    assert isinstance(advice, models.AdviceResponse), advice
    assert advice.user == username
    assert advice.advice
    assert isinstance(advice.metrics, models.AdviceResponseMetrics)

    created = await _operation(
        "conversations", "create_conversation_api_v1_conversations_post"
    ).asyncio(client=signed_in, body=models.ConversationIn(title="generated client"))
    assert isinstance(created, models.ConversationSummary), created
    page = await _operation("conversations", "list_conversations_api_v1_conversations_get").asyncio(
        client=signed_in
    )
    assert isinstance(page, models.ConversationPage), page
    assert created.id in {item.id for item in page.items}
    assert all(isinstance(item, models.ConversationSummary) for item in page.items)
