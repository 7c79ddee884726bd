"""POST /api/v1/advice/stream through the real app: event order and format, the final
answer equal to the JSON endpoint's, the same guards (401/403/422/429) as JSON errors before
any event, caching and history, and an OpenAI-compatible stub streaming real SSE (forwarded
deltas, a verified answer, a rejected one replaced after ``reset``). Also checks that the
middleware stack passes events on as they are produced. SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from starlette.types import Message
from structlog.testing import capture_logs

from apfa.advice.flows import ADVICE_PIPELINE
from apfa.advice.generation import Trimmed
from apfa.advice.history import HISTORY_WRITER
from apfa.advice.streaming import word_groups
from apfa.auth.permissions import ROLE_PERMISSIONS, Permission, Role
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER, create_engine, create_sessionmaker, session_scope
from apfa.core.migrate import upgrade_to_head
from apfa.knowledge.flows import ingest_and_publish
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from apfa.users.service import create_user
from conftest import make_settings, postgres_database
from llm_stub import SERVER_ERROR, Stream, StubLLM, llm_overrides, openai_answer, openai_stream
from sse_support import check_stream, names, parse
from support import PASSWORD, bearer, login

STREAM = "/api/v1/advice/stream"
CORPUS = Path(__file__).parents[1] / "data" / "corpus"
PMI = "Do I need PMI with less than 20% down, and when can I cancel it?"
PROFILE = {
    "annual_income": 85000,
    "monthly_debt_payments": 450,
    "credit_score": 720,
    "loan_type": "mortgage",
    "home_price": 375000,
    "down_payment": 75000,
    "interest_rate": 6.5,
    "term_years": 30,
}
GOOD_PIECES = [
    "  With 20% down on a $375,000 home, ",
    "your monthly principal and interest is $1,896.20 [1].",
    " ",
    " Private mortgage insurance is not needed at an 80% loan-to-value ratio [1].\n",
]
GOOD_ANSWER = "".join(GOOD_PIECES).strip()
INVENTED = ["Your rate would be ", "7.25% and PMI ", "is required [1]."]
COMPARED = ("advice", "citations", "metrics", "assumptions", "provider", "fallback_reason")


async def stream(
    http: httpx.AsyncClient, token: str, body: dict[str, Any], **headers: str
) -> httpx.Response:
    return await http.post(STREAM, json=body, headers={**bearer(token), **headers})


def same_answer(done: dict[str, Any], answer: dict[str, Any]) -> None:
    assert {k: done.get(k) for k in COMPARED} == {k: answer.get(k) for k in COMPARED}
    assert done["user"] == answer["user"]
    assert done["index_version"] == answer["index_version"]


def test_word_groups_and_trimming_keep_the_text() -> None:
    text = "First sentence here. Then a much longer second sentence that goes on and on\n- a bullet"
    pieces = list(word_groups(text, size=4))
    assert "".join(pieces) == text
    assert pieces[0] == "First sentence here. "
    assert all(len(p.split()) <= 4 for p in pieces)
    trimmed = Trimmed()
    forwarded = [trimmed.forward(p) for p in GOOD_PIECES]
    assert "".join(forwarded) == GOOD_ANSWER == trimmed.text.strip()
    assert forwarded[2] == ""


async def test_grounded_stream_matches_the_json_answer_and_is_cached(
    client: httpx.AsyncClient, tokens: dict[Role, str], app: FastAPI
) -> None:
    body = {"query": f"{PMI} ({uuid.uuid4().hex[:8]})", "profile": PROFILE}
    token = tokens[Role.USER]
    response = await stream(client, token, body, **{"Accept-Encoding": "gzip"})
    events = check_stream(response)
    done = events[-1].json()
    assert (done["provider"], done["cached"], done["user"]) == ("grounded", False, "user-1")
    assert len([e for e in events if e.event == "delta"]) > 3
    [citations] = [e.json()["citations"] for e in events if e.event == "citations"]
    [metrics] = [e.json() for e in events if e.event == "metrics"]
    assert citations == done["citations"]
    assert metrics == {"metrics": done["metrics"], "assumptions": done["assumptions"]}
    assert "$1,896.20" in done["advice"]

    answer = await client.post("/api/v1/advice", json=body, headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json()["cached"] is True
    same_answer(done, answer.json())

    again = check_stream(await stream(client, token, body))
    assert again[-1].json()["cached"] is True
    assert names(again)[:2] == ["citations", "metrics"]
    same_answer(again[-1].json(), answer.json())

    await HISTORY_WRITER.of(app).flush()
    history = await client.get("/api/v1/advice/history?limit=5", headers=bearer(token))
    recorded = {item["request_id"]: item for item in history.json()["items"]}
    assert recorded[done["request_id"]]["response"] == done
    assert recorded[done["request_id"]]["query"] == body["query"]


async def test_guards_answer_with_json_errors_before_streaming(
    client: httpx.AsyncClient,
    tokens: dict[Role, str],
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    body = {"query": "How is the back-end debt-to-income ratio calculated?"}
    anonymous = await client.post(STREAM, json=body)
    forged = await client.post(STREAM, json=body, headers=bearer("not-a-token"))
    invalid = await stream(client, tokens[Role.USER], {"query": ""})
    extra = await stream(client, tokens[Role.USER], {"query": "PMI?", "profile": {"pets": 2}})
    for response, status, code in (
        (anonymous, 401, "not_authenticated"),
        (forged, 401, "not_authenticated"),
        (invalid, 422, "validation_error"),
        (extra, 422, "validation_error"),
    ):
        assert response.status_code == status, response.text
        assert response.headers["content-type"] == "application/json"
        assert response.json()["error"] == code
        assert response.json()["request_id"] == response.headers["x-request-id"]
    assert anonymous.headers["www-authenticate"] == "Bearer"

    # No role lacks advice:generate, so take it away from one for this test.
    monkeypatch.setitem(ROLE_PERMISSIONS, Role.USER, frozenset({Permission.ADVICE_VIEW_HISTORY}))
    name = f"no-advice-{uuid.uuid4().hex[:8]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, Role.USER)
    refused = await stream(client, await login(client, name), body)
    assert refused.status_code == 403, refused.text
    assert refused.json()["error"] == "forbidden"
    assert "advice:generate" in refused.json()["detail"]


async def test_a_failure_after_the_stream_began_ends_it_with_an_error_event(
    client: httpx.AsyncClient,
    tokens: dict[Role, str],
    app: FastAPI,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    async def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the index went away")

    monkeypatch.setattr(ADVICE_PIPELINE.of(app), "answer", broken)
    response = await stream(client, tokens[Role.USER], {"query": "What is PMI?"})
    assert response.status_code == 200
    events, _ = parse(response.text)
    assert names(events) == ["error"]
    assert events[0].id == "1"
    assert events[0].json() == {
        "error": "internal_error",
        "detail": "An internal error occurred",
        "request_id": response.headers["x-request-id"],
    }
    assert "index went away" not in response.text


@pytest.fixture
async def limited(
    isolated_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[httpx.AsyncClient]:
    settings = isolated_settings.model_copy(update={"rate_limit_advice": "2/minute"})
    application = create_app(settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        async with session_scope(SESSIONMAKER.of(application)) as session:
            await create_user(session, "streamer", PASSWORD, Role.USER)
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield http


async def test_the_advice_rate_limit_covers_the_stream(limited: httpx.AsyncClient) -> None:
    token = await login(limited, "streamer")
    body = {"query": "How is the back-end debt-to-income ratio calculated?"}
    first = await stream(limited, token, body)
    second = await limited.post("/api/v1/advice", json=body, headers=bearer(token))
    refused = await stream(limited, token, body)
    assert [first.status_code, second.status_code] == [200, 200]
    assert first.headers["x-ratelimit-remaining"] == "1"
    assert parse(first.text)[0][-1].event == "done"
    assert refused.status_code == 429, refused.text
    assert refused.headers["content-type"] == "application/json"
    assert refused.json()["error"] == "rate_limited"
    assert 0 < int(refused.headers["retry-after"]) <= 60
    assert refused.headers["x-ratelimit-remaining"] == "0"


@dataclass
class LlmApp:
    app: FastAPI
    http: httpx.AsyncClient
    token: str


@pytest.fixture(scope="module")
async def stub() -> AsyncIterator[StubLLM]:
    server = StubLLM()
    await server.start()
    yield server
    await server.close()


@pytest.fixture(scope="module")
def stub_settings(
    database_url: str, tmp_path_factory: pytest.TempPathFactory, stub: StubLLM
) -> Iterator[Settings]:
    var_dir = tmp_path_factory.mktemp("stream-llm")
    if database_url.startswith("sqlite"):
        urls: Iterator[str] = iter([f"sqlite+aiosqlite:///{var_dir / 'apfa.db'}"])
    else:
        urls = postgres_database()
    settings = make_settings(var_dir, next(urls), **llm_overrides(stub, llm_read_timeout_seconds=5))
    upgrade_to_head(settings)
    yield settings
    for _ in urls:
        pass


@pytest.fixture(scope="module")
async def llm_app(
    stub_settings: Settings, embedder: SentenceTransformerEmbedder
) -> AsyncIterator[LlmApp]:
    engine = create_engine(stub_settings)
    try:
        maker = create_sessionmaker(engine)
        await ingest_and_publish(maker, embedder, stub_settings.index_dir, [CORPUS])
        async with session_scope(maker) as session:
            await create_user(session, "stream-user", PASSWORD, Role.USER)
    finally:
        await engine.dispose()
    application = create_app(stub_settings, embedder=embedder)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://apfa.test") as http:
            yield LlmApp(application, http, await login(http, "stream-user"))


def question(debts: int) -> dict[str, Any]:
    """The PMI question with its own cache key (the debts change no figure it cites)."""
    return {"query": PMI, "profile": {**PROFILE, "monthly_debt_payments": debts}}


async def test_llm_deltas_are_forwarded_and_the_answer_is_verified(
    llm_app: LlmApp, stub: StubLLM
) -> None:
    stub.script(openai_stream(GOOD_PIECES))
    body = question(451)
    events = check_stream(await stream(llm_app.http, llm_app.token, body))
    done = events[-1].json()
    assert (done["provider"], done["fallback_reason"], done["advice"]) == (
        "openai",
        None,
        GOOD_ANSWER,
    )
    assert "reset" not in names(events)
    deltas = [e.json()["text"] for e in events if e.event == "delta"]
    # Forwarded as the stub sent them (whitespace-only pieces wait for the next one).
    assert len(deltas) == 3
    assert "".join(deltas) == GOOD_ANSWER
    [candidates] = [e.json()["citations"] for e in events if e.event == "citations"]
    assert [c["n"] for c in candidates] == list(range(1, len(candidates) + 1))
    assert done["citations"] == candidates[:1]
    assert stub.seen[-1].body["stream"] is True

    answer = await llm_app.http.post("/api/v1/advice", json=body, headers=bearer(llm_app.token))
    assert answer.json()["cached"] is True
    same_answer(done, answer.json())


async def test_a_rejected_llm_answer_is_reset_and_replaced_by_the_grounded_one(
    llm_app: LlmApp, stub: StubLLM
) -> None:
    stub.script(openai_stream(INVENTED))
    body = question(452)
    events = check_stream(await stream(llm_app.http, llm_app.token, body))
    order = names(events)
    assert order[:2] == ["citations", "metrics"]
    reset = order.index("reset")
    forwarded = "".join(e.json()["text"] for e in events[:reset] if e.event == "delta")
    assert forwarded == "".join(INVENTED)
    assert events[reset].json() == {"reason": "openai: invented figure 7.25%"}
    assert "citations" in order[reset : order.index("delta", reset)]
    done = events[-1].json()
    assert (done["provider"], done["fallback_reason"]) == (
        "grounded",
        "openai: invented figure 7.25%",
    )
    assert "7.25" not in done["advice"]
    assert [e.json()["citations"] for e in events if e.event == "citations"][-1] == done[
        "citations"
    ]

    stub.default = openai_answer("".join(INVENTED))
    answer = await llm_app.http.post("/api/v1/advice", json=body, headers=bearer(llm_app.token))
    assert answer.json()["cached"] is False
    same_answer(done, answer.json())


async def test_a_provider_error_before_any_text_needs_no_reset(
    llm_app: LlmApp, stub: StubLLM
) -> None:
    stub.script(SERVER_ERROR)
    events = check_stream(await stream(llm_app.http, llm_app.token, question(453)))
    assert "reset" not in names(events)
    done = events[-1].json()
    assert (done["provider"], done["fallback_reason"]) == ("grounded", "openai: http 500")


async def test_events_leave_the_middleware_stack_as_they_are_produced(
    llm_app: LlmApp, stub: StubLLM, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Raw ASGI, so nothing between the app and this test can buffer: gzip is asked for,
    and each event must go out while the stub is still sending, with keepalive comments
    during the pauses."""
    monkeypatch.setattr("fastapi.routing._PING_INTERVAL", 0.05)
    pause = 0.2
    stub.script(Stream(openai_stream(GOOD_PIECES).events, delay=pause))
    sent: list[tuple[float, Message]] = []

    async def send(message: Message) -> None:
        sent.append((time.perf_counter(), message))

    scope = raw_scope(llm_app.token, (b"accept-encoding", b"gzip"))
    await llm_app.app(scope, receiving(json.dumps(question(454)).encode()), send)
    start = sent[0][1]
    assert start["type"] == "http.response.start"
    assert start["status"] == 200
    assert b"content-encoding" not in {k for k, _ in start["headers"]}
    chunks = [(t, m.get("body", b"")) for t, m in sent[1:] if m.get("body")]
    first_delta = next(t for t, body in chunks if b"event: delta" in body)
    done = next(t for t, body in chunks if b"event: done" in body)
    # The stub pauses before each of its 6 writes; the first text went out before the
    # last four pauses were over.
    assert done - first_delta >= 2.5 * pause
    whole = b"".join(body for _, body in chunks).decode()
    events, comments = parse(whole)
    assert "ping" in comments
    assert events[-1].event == "done"
    assert events[-1].json()["advice"] == GOOD_ANSWER


async def test_a_client_that_leaves_abandons_its_answer(llm_app: LlmApp, stub: StubLLM) -> None:
    stub.script(Stream(openai_stream(GOOD_PIECES).events, delay=0.2))
    body = question(455)
    request_id = f"left-{uuid.uuid4().hex[:8]}"

    async def send(message: Message) -> None:
        if b"event: delta" in message.get("body", b""):
            raise OSError("client went away")

    scope = raw_scope(llm_app.token, (b"x-request-id", request_id.encode()))
    with capture_logs() as logs:
        await llm_app.app(scope, receiving(json.dumps(body).encode()), send)
    assert [e["event"] for e in logs if e["log_level"] in ("error", "critical")] == []
    await asyncio.sleep(1.5)  # the stub's stream would have ended by now
    await HISTORY_WRITER.of(llm_app.app).flush()
    history = await llm_app.http.get(
        "/api/v1/advice/history?limit=20", headers=bearer(llm_app.token)
    )
    assert request_id not in {item["request_id"] for item in history.json()["items"]}
    stub.default = openai_answer(GOOD_ANSWER)
    answer = await llm_app.http.post("/api/v1/advice", json=body, headers=bearer(llm_app.token))
    assert (answer.json()["provider"], answer.json()["cached"]) == ("openai", False)


def raw_scope(token: str, *extra: tuple[bytes, bytes]) -> dict[str, Any]:
    headers = [
        (b"host", b"apfa.test"),
        (b"content-type", b"application/json"),
        (b"authorization", f"Bearer {token}".encode()),
        *extra,
    ]
    return {
        "type": "http",
        "asgi": {"version": "3.0", "spec_version": "2.4"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": STREAM,
        "raw_path": STREAM.encode(),
        "root_path": "",
        "query_string": b"",
        "headers": headers,
        "client": ("127.0.0.1", 5000),
        "server": ("apfa.test", 80),
    }


def receiving(payload: bytes) -> Callable[[], Awaitable[Message]]:
    """The request body once, then nothing (the client stays connected)."""
    messages = [{"type": "http.request", "body": payload, "more_body": False}]

    async def receive() -> Message:
        if messages:
            return messages.pop()
        await asyncio.sleep(3600)
        raise AssertionError("unreachable")

    return receive
