"""The OpenAPI document describes the errors APFA sends, and request bodies take JSON types
as they are: no ``false`` for a number, no ``"false"`` or ``0`` for a boolean."""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from apfa.auth.permissions import Role
from apfa.core.openapi import ENVELOPE
from apfa.main import create_app
from support import bearer

REF = {"$ref": f"#/components/schemas/{ENVELOPE}"}
# Readiness answers 503 with its components, not the error envelope.
READINESS = ("/ready", "/api/v1/readiness")


@pytest.fixture(scope="module")
def document() -> dict[str, Any]:
    return create_app().openapi()


def _operations(document: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (method.upper(), path, operation)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    ]


def _schema(operation: dict[str, Any], status: str) -> Any:
    return operation["responses"][status]["content"]["application/json"]["schema"]


def test_every_error_response_is_the_envelope(document: dict[str, Any]) -> None:
    assert "HTTPValidationError" not in str(document)
    envelope = document["components"]["schemas"][ENVELOPE]
    assert set(envelope["required"]) == {"error", "detail"}
    assert {"request_id", "fields"} <= set(envelope["properties"])
    for method, path, operation in _operations(document):
        for status in operation["responses"]:
            if status.isdigit() and int(status) >= 400 and path not in READINESS:
                assert _schema(operation, status) == REF, (method, path, status)


def test_readiness_documents_its_503_with_the_components(document: dict[str, Any]) -> None:
    readiness = {"$ref": "#/components/schemas/Readiness"}
    for path in READINESS:
        operation = document["paths"][path]["get"]
        assert _schema(operation, "503") == _schema(operation, "200") == readiness


def test_the_statuses_an_operation_can_answer_are_documented(document: dict[str, Any]) -> None:
    for method, path, operation in _operations(document):
        documented = set(operation["responses"])
        if operation.get("security"):
            assert {"401", "403", "429"} <= documented, (method, path)
        if "requestBody" in operation:
            assert {"400", "413", "415", "422"} <= documented, (method, path)
        if "{" in path:
            assert {"404", "422"} <= documented, (method, path)
    login = document["paths"]["/token"]["post"]["responses"]
    assert {"401", "429"} <= set(login)
    assert "401" in document["paths"]["/token/refresh"]["post"]["responses"]


@pytest.mark.parametrize(
    "profile",
    [{"annual_income": False}, {"credit_score": "700"}, {"term_years": True}],
)
async def test_a_number_field_takes_only_numbers(
    client: httpx.AsyncClient, tokens: dict[Role, str], profile: dict[str, Any]
) -> None:
    response = await client.post(
        "/api/v1/advice",
        json={"query": "How much can I borrow?", "profile": profile},
        headers=bearer(tokens[Role.USER]),
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"].startswith("body.profile.")


@pytest.mark.parametrize("value", [0, "false", "no"])
async def test_a_boolean_field_takes_only_booleans(
    client: httpx.AsyncClient, tokens: dict[Role, str], value: object
) -> None:
    headers = bearer(tokens[Role.SUPER_ADMIN])
    me = (await client.get("/api/v1/users/me", headers=bearer(tokens[Role.USER]))).json()
    response = await client.patch(
        f"/api/v1/users/{me['id']}", json={"is_active": value}, headers=headers
    )
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == "body.is_active"


@pytest.mark.parametrize("since", ["1700000000", "1700000000.5", " 17 "])
async def test_a_time_in_a_query_is_iso_8601_not_a_number(
    client: httpx.AsyncClient, tokens: dict[Role, str], since: str
) -> None:
    headers = bearer(tokens[Role.SUPER_ADMIN])
    response = await client.get("/api/v1/audit-logs", params={"since": since}, headers=headers)
    assert response.status_code == 422
    assert response.json()["fields"][0]["loc"] == "query.since"
    iso = await client.get(
        "/api/v1/audit-logs", params={"since": "2026-01-01T00:00:00Z"}, headers=headers
    )
    assert iso.status_code == 200
