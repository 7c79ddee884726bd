"""Liveness, readiness, metrics, request ids and the error envelope."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from prometheus_client.parser import text_string_to_metric_families

from apfa.auth.permissions import Role
from apfa.knowledge.index.holder import INDEX_HOLDER, IndexHolder
from support import bearer


async def test_health_is_ok_on_both_paths(client: httpx.AsyncClient) -> None:
    for path in ("/health", "/api/v1/health"):
        response = await client.get(path)
        assert response.status_code == 200
        assert response.json() == {"status": "ok"}


async def test_ready_reports_components(client: httpx.AsyncClient) -> None:
    for path in ("/ready", "/api/v1/readiness"):
        response = await client.get(path)
        assert response.status_code == 200, response.text
        components = response.json()["components"]
        assert components["database"]["ok"] is True
        assert components["index"]["ok"] is True
        assert components["index"]["vectors"] > 0


async def test_not_ready_without_an_index(app: FastAPI, client: httpx.AsyncClient) -> None:
    holder: IndexHolder = INDEX_HOLDER.of(app)
    served = holder.swap(None)
    try:
        response = await client.get("/ready")
        live = await client.get("/health")
    finally:
        holder.swap(served)
    assert response.status_code == 503
    assert response.json()["components"]["index"]["ok"] is False
    assert live.status_code == 200


async def test_metrics_is_prometheus_text(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    await client.post(
        "/api/v1/advice", json={"query": "What is DTI?"}, headers=bearer(tokens[Role.USER])
    )
    response = await client.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
    families = {f.name: f for f in text_string_to_metric_families(response.text)}
    assert "apfa_requests" in families
    assert "apfa_response_time_seconds" in families
    routes = {s.labels.get("route") for s in families["apfa_requests"].samples}
    assert "/api/v1/advice" in routes
    assert not any(r and "What" in r for r in routes)


async def test_request_id_is_echoed_or_generated(client: httpx.AsyncClient) -> None:
    echoed = await client.get("/health", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["x-request-id"] == "abc-123"
    generated = await client.get("/health", headers={"X-Request-ID": "bad id with spaces\t"})
    assert generated.headers["x-request-id"] != "bad id with spaces\t"
    assert len(generated.headers["x-request-id"]) == 32


async def test_unknown_path_is_json_404(client: httpx.AsyncClient) -> None:
    response = await client.get("/no/such/thing")
    assert response.status_code == 404
    assert response.json()["error"] == "not_found"
    assert response.json()["request_id"] == response.headers["x-request-id"]


async def test_openapi_lists_the_contract_paths(client: httpx.AsyncClient) -> None:
    paths = (await client.get("/openapi.json")).json()["paths"]
    for path in (
        "/health",
        "/api/v1/health",
        "/ready",
        "/api/v1/readiness",
        "/metrics",
        "/generate-advice",
        "/token",
        "/api/v1/advice",
        "/api/v1/kb/search",
        "/api/v1/advice/history",
    ):
        assert path in paths
    assert not {"/", "/admin"} & set(paths)
    assert not any(path.startswith(("/static", "/ws/")) for path in paths)
    metrics = paths["/metrics"]["get"]["responses"]
    assert set(metrics["200"]["content"]) == {"text/plain"}
    assert {"401", "403"} <= set(metrics)
    assert (await client.get("/docs")).status_code == 200
