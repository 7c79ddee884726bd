"""The committed ``openapi.json`` is the document the app serves: integrators generate
clients from the file, so a route or schema change must come with the regenerated file."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from apfa.core.config import Settings
from apfa.core.openapi import REGENERATE, render_document
from apfa.main import create_app

COMMITTED = Path(__file__).resolve().parents[2] / "openapi.json"


def test_the_committed_document_is_the_apps(settings: Settings) -> None:
    rendered = render_document(create_app(settings))
    assert rendered == COMMITTED.read_text(encoding="utf-8"), (
        f"openapi.json is out of date with the app; regenerate it with `{REGENERATE}`"
    )


async def test_the_served_document_is_the_committed_one(client: httpx.AsyncClient) -> None:
    served = (await client.get("/openapi.json")).json()
    assert served == json.loads(COMMITTED.read_text(encoding="utf-8"))
