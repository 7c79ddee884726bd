"""What a conversation refuses, with a clear 4xx and nothing written: bad input, a full
thread, too many threads; and the advice rate limit counts messages like questions."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi import FastAPI
from sqlalchemy import update

from apfa.conversations import service
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.models import Conversation
from conversations_support import HOUSE, PATH, a_user, say, start, thread
from support import bearer

TOO_LONG = "x" * 2001


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ({}, "body.content"),
        ({"content": ""}, "body.content"),
        ({"content": "   "}, "body.content"),
        ({"content": TOO_LONG}, "body.content"),
        ({"content": "hi\x00there"}, "body.content"),
        ({"content": "hi", "extra": 1}, "body.extra"),
        ({"content": "hi", "profile": {"credit_score": 900}}, "body.profile.credit_score"),
        ({"content": "hi", "profile": {"pets": 2}}, "body.profile.pets"),
        ({"content": 5}, "body.content"),
        ([], "body"),
    ],
)
async def test_bad_messages_are_refused_with_the_field_named(
    app: FastAPI, body: Any, where: str
) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        response = await http.post(f"{PATH}/{conversation_id}/messages", json=body, headers=me)
        assert response.status_code == 422, response.text
        assert response.json()["error"] == "validation_error"
        assert where in response.json()["detail"]
        assert (await thread(http, me, conversation_id))["turns"] == 0


async def test_bad_requests_are_4xx_never_500(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        url = f"{PATH}/{conversation_id}/messages"
        headers = {**me, "Content-Type": "application/json"}
        cases = [
            await http.post(url, content=b"{not json", headers=headers),
            await http.post(url, content=b"\xff\xfe", headers=headers),
            await http.post(f"{PATH}/abc/messages", json={"content": "hi"}, headers=me),
            await http.get(f"{PATH}/abc", headers=me),
            await http.get(f"{PATH}/99999999999999999999999", headers=me),
            await http.post(PATH, json={"title": ""}, headers=me),
            await http.post(PATH, json={"title": "t" * 201}, headers=me),
            await http.post(PATH, json={"title": "a\x07b"}, headers=me),
            await http.post(PATH, json={"profile": {"home_price": -1}}, headers=me),
            await http.post(PATH, json={"colour": "blue"}, headers=me),
            await http.post(PATH, content=b"[1, 2]", headers=headers),
        ]
        for response in cases:
            assert 400 <= response.status_code < 500, response.text
            assert response.json()["error"], response.text
        assert (await http.post(PATH, json={"content": "hi"}, headers=me)).status_code == 422
        assert len((await http.get(PATH, headers=me)).json()["items"]) == 1


async def test_a_message_as_long_as_an_advice_question_is_answered(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        longest = (HOUSE + " ") * (2000 // (len(HOUSE) + 1))
        longest += "x" * (2000 - len(longest))
        answer = await say(http, me, conversation_id, longest)
        assert answer["message_id"]


async def test_a_full_thread_refuses_more_turns(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        async with session_scope(SESSIONMAKER.of(app)) as session:
            await session.execute(
                update(Conversation)
                .where(Conversation.id == conversation_id)
                .values(turns=service.MAX_TURNS - 1)
            )
        await say(http, me, conversation_id, HOUSE)
        url = f"{PATH}/{conversation_id}/messages"
        for accept in ("application/json", "text/event-stream"):
            full = await http.post(url, json={"content": HOUSE}, headers={**me, "Accept": accept})
            assert full.status_code == 409, full.text
            assert full.headers["content-type"] == "application/json"
            assert full.json()["error"] == "conversation_full"
            assert f"limit of {service.MAX_TURNS} turns" in full.json()["detail"]
        read = await thread(http, me, conversation_id)
        assert read["turns"] == service.MAX_TURNS
        assert len(read["messages"]) == 2


async def test_a_user_has_a_limited_number_of_threads(
    app: FastAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(service, "MAX_CONVERSATIONS", 2)
    async with a_user(app) as (http, me):
        first = await start(http, me)
        await start(http, me)
        refused = await http.post(PATH, headers=me)
        assert refused.status_code == 409
        assert refused.json()["error"] == "too_many_conversations"
        assert (await http.delete(f"{PATH}/{first}", headers=me)).status_code == 204
        await start(http, me)


async def test_messages_count_against_the_advice_rate_limit(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        advice = await http.post("/api/v1/advice", json={"query": HOUSE}, headers=me)
        left = int(advice.headers["x-ratelimit-remaining"])
        message = await http.post(
            f"{PATH}/{conversation_id}/messages", json={"content": HOUSE}, headers=me
        )
        assert message.status_code == 200
        assert message.headers["x-ratelimit-limit"] == advice.headers["x-ratelimit-limit"]
        assert int(message.headers["x-ratelimit-remaining"]) == left - 1
        listed = await http.get(PATH, headers=me)
        assert "x-ratelimit-remaining" not in listed.headers


async def test_credentials_are_checked_before_anything_else(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        url = f"{PATH}/{conversation_id}/messages"
        for headers in ({}, bearer("not-a-token")):
            refused = await http.post(url, json={"content": HOUSE}, headers=headers)
            assert refused.status_code == 401
            assert refused.headers["www-authenticate"] == "Bearer"
            assert (await http.get(PATH, headers=headers)).status_code == 401
            assert (await http.post(PATH, headers=headers)).status_code == 401
