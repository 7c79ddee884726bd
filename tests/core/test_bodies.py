"""``read_json_body`` answers every body exactly as a FastAPI-declared body parameter does."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import BaseModel, ConfigDict, Field

from apfa.core.bodies import json_body_openapi, read_json_body
from apfa.core.errors import install_error_handlers


class Item(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1)
    price: float = Field(ge=0)
    tags: list[str] = []


def _apps() -> tuple[TestClient, TestClient]:
    declared, manual = FastAPI(), FastAPI()
    install_error_handlers(declared)
    install_error_handlers(manual)

    @declared.post("/items")
    async def declared_item(item: Item) -> dict[str, Any]:
        return item.model_dump()

    @manual.post("/items", openapi_extra=json_body_openapi(Item))
    async def manual_item(request: Request) -> dict[str, Any]:
        return (await read_json_body(request, Item)).model_dump()

    @manual.post("/declares-item")
    async def declares(item: Item) -> None:  # publishes Item in the components
        return None

    return TestClient(declared), TestClient(manual)


JSON = {"content-type": "application/json"}
CASES: list[tuple[str, bytes, dict[str, str]]] = [
    ("valid", b'{"name": "a", "price": 1.5, "tags": ["x"]}', JSON),
    (
        "valid, charset",
        b'{"name": "a", "price": 2}',
        {"content-type": "application/json; charset=utf-8"},
    ),
    ("valid, +json", b'{"name": "a", "price": 2}', {"content-type": "application/vnd.api+json"}),
    ("string number", b'{"name": "a", "price": "3.25"}', JSON),
    ("malformed", b'{"name": "a", "price": ', JSON),
    ("trailing garbage", b'{"name": "a", "price": 1} x', JSON),
    ("not an object", b"[1, 2]", JSON),
    ("invalid field", b'{"name": "", "price": -1}', JSON),
    ("missing field", b'{"name": "a"}', JSON),
    ("extra field", b'{"name": "a", "price": 1, "admin": true}', JSON),
    ("NaN literal", b'{"name": "a", "price": NaN}', JSON),
    ("empty body", b"", JSON),
    ("no content type", b'{"name": "a", "price": 1}', {}),
    ("text/plain", b'{"name": "a", "price": 1}', {"content-type": "text/plain"}),
    ("not utf-8", b'{"name": "\xff", "price": 1}', JSON),
    ("nested 1000 deep", b"[" * 1000 + b"]" * 1000, JSON),
    ("nested 1000 deep in a field", b'{"name": ' + b"[" * 1000 + b"]" * 1000 + b"}", JSON),
    ("integer of 5000 digits", b'{"name": "a", "price": ' + b"9" * 5000 + b"}", JSON),
]


@pytest.mark.parametrize(("body", "headers"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_same_status_and_body_as_a_declared_body(body: bytes, headers: dict[str, str]) -> None:
    declared, manual = _apps()
    expected = declared.post("/items", content=body, headers=headers)
    got = manual.post("/items", content=body, headers=headers)
    assert (got.status_code, got.json()) == (expected.status_code, expected.json())


def test_openapi_documents_the_body_as_fastapi_does() -> None:
    declared, manual = _apps()
    expected = declared.get("/openapi.json").json()["paths"]["/items"]["post"]["requestBody"]
    got = manual.get("/openapi.json").json()
    assert got["paths"]["/items"]["post"]["requestBody"] == expected
    declared_422 = declared.get("/openapi.json").json()["paths"]["/items"]["post"]["responses"]
    assert got["paths"]["/items"]["post"]["responses"]["422"] == declared_422["422"]
    assert "Item" in got["components"]["schemas"]
