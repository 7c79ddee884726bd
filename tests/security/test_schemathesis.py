"""Every operation in the OpenAPI document, driven by schemathesis in process (ASGI) as a
super_admin created here, against a throwaway database and index: no server errors, and
every response conforms to the document (status, content type, headers, schema)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis.generation.modes import GenerationMode
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import positive_data_acceptance

from apfa.auth.permissions import Role
from apfa.core.db import create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.flows import ingest_and_publish
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from conftest import CORPUS, make_settings
from support import PASSWORD

ADMIN = "schemathesis-admin"
# Jobs that re-embed the whole corpus: minutes of CPU for nothing the checks look at.
HEAVY = (("POST", "/api/admin/index/rebuild"), ("POST", "/api/admin/celery/jobs/embed-all"))
# Ends every session of the caller, the token this test uses included.
SELF_LOCKING = (("POST", "/token/revoke-all"),)

pytestmark = pytest.mark.slow
MAX_EXAMPLES = 8


async def _prepare(url: str, index_dir: Path, embedder: SentenceTransformerEmbedder) -> None:
    loaded = make_settings(index_dir.parent, url)
    engine = create_engine(loaded)
    try:
        maker = create_sessionmaker(engine)
        await ingest_and_publish(maker, embedder, index_dir, [CORPUS])
        async with session_scope(maker) as session:
            await create_user(session, ADMIN, PASSWORD, Role.SUPER_ADMIN)
    finally:
        await engine.dispose()


@pytest.fixture(scope="module")
def api(
    tmp_path_factory: pytest.TempPathFactory, embedder: SentenceTransformerEmbedder
) -> Iterator[FastAPI]:
    var_dir = tmp_path_factory.mktemp("schemathesis")
    url = f"sqlite+aiosqlite:///{var_dir / 'apfa.db'}"
    loaded = make_settings(var_dir, url)
    upgrade_to_head(loaded)
    # A loop of its own: schemathesis runs the app's lifespan in its own thread and loop.
    asyncio.run(_prepare(url, loaded.index_dir, embedder))
    yield create_app(loaded, embedder=embedder)
    asgi.shutdown_lifespans()


@pytest.fixture(scope="module")
def api_schema(api: FastAPI) -> schemathesis.schemas.BaseSchema:
    loaded = schemathesis.openapi.from_asgi("/openapi.json", api)
    for method, path in HEAVY + SELF_LOCKING:
        loaded = loaded.exclude(method=method, path=path)
    return loaded


@pytest.fixture(scope="module")
def admin_token(api: FastAPI, api_schema: schemathesis.schemas.BaseSchema) -> str:
    with asgi.get_client(api) as client:
        response = client.post("/token", json={"username": ADMIN, "password": PASSWORD})
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


# Refusals of schema-valid input that no JSON Schema can express: an opaque cursor the
# server did not issue, rules across fields, and text that is all hidden characters once
# cleaned (core/text.py: which code points are unassigned or private-use is Unicode data,
# not a pattern). Only for these is "schema-valid data must be accepted"
# (positive_data_acceptance) not applied; every other check still is.
SEMANTIC_REFUSALS = ("invalid cursor", "cannot exceed", "must contain text")


def _semantic_refusal(response: schemathesis.Response) -> bool:
    if response.status_code != 422:
        return False
    detail = str(response.json().get("detail", ""))
    return any(refusal in detail for refusal in SEMANTIC_REFUSALS)


def _exercise(operation: schemathesis.APIOperation, token: str, mode: GenerationMode) -> None:
    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
        database=None,
    )
    def run(case: schemathesis.Case) -> None:
        headers = {"Authorization": f"Bearer {token}"}
        response = case.call(headers=headers)
        excluded = [positive_data_acceptance] if _semantic_refusal(response) else None
        case.validate_response(response, headers=headers, excluded_checks=excluded)

    run()


def test_every_operation_conforms(
    api_schema: schemathesis.schemas.BaseSchema, admin_token: str
) -> None:
    failures: list[str] = []
    operations = 0
    for result in api_schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _exercise(operation, admin_token, mode)
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing in the request to get wrong
            except BaseException as exc:  # every operation runs; all failures reported at once
                if isinstance(exc, KeyboardInterrupt):
                    raise
                failures.append(f"{operation.label} ({mode.value}): {exc}")
    assert operations > 30
    assert not failures, "\n\n".join(failures)
