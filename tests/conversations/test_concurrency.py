"""Two messages posted to one thread at the same time: neither turn is lost. In a process
they queue on the thread's lock; across processes (two ``ConversationTurns`` with locks
of their own) PostgreSQL's row lock makes the second wait for the first to be saved, and
SQLite, which has no row locks, refuses the later one with a 409 instead of losing it."""

from __future__ import annotations

import asyncio

from fastapi import FastAPI

from apfa.auth.principals import PRINCIPALS
from apfa.auth.service import Principal
from apfa.conversations.exceptions import TurnConflict
from apfa.conversations.flows import CONVERSATION_TURNS
from apfa.conversations.schemas import MessageIn
from apfa.core.config import Settings
from apfa.core.db import SESSIONMAKER
from conversations_support import PATH, a_user, delayed_turns, start, thread
from support import provided

INCOME = "I make $95,000 a year"
SCORE = "my credit score is 700"


async def test_two_messages_at_once_both_become_turns(app: FastAPI) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        url = f"{PATH}/{conversation_id}/messages"
        with provided(app, CONVERSATION_TURNS, delayed_turns(app, 0.3)):
            first, second = await asyncio.gather(
                http.post(url, json={"content": INCOME}, headers=me),
                http.post(url, json={"content": SCORE}, headers=me),
            )
        assert first.status_code == second.status_code == 200
        read = await thread(http, me, conversation_id)
        assert read["turns"] == 2
        messages = read["messages"]
        assert [m["role"] for m in messages] == ["user", "assistant"] * 2
        assert {messages[0]["content"], messages[2]["content"]} == {INCOME, SCORE}
        # The later turn was read against the earlier one: the thread knows both facts.
        assert (read["profile"]["annual_income"], read["profile"]["credit_score"]) == (95000, 700)
        ids = {first.json()["message_id"], second.json()["message_id"]}
        assert ids == {messages[1]["id"], messages[3]["id"]}


async def _principal(app: FastAPI, user_id: int) -> Principal:
    principal = await PRINCIPALS.of(app).resolve(SESSIONMAKER.of(app), user_id)
    assert principal is not None
    return principal


async def test_turns_of_one_thread_in_two_processes_never_overwrite_each_other(
    app: FastAPI, settings: Settings
) -> None:
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        user_id = (await http.get("/api/v1/users/me", headers=me)).json()["id"]
        principal = await _principal(app, user_id)
        one, other = delayed_turns(app, 0.3), delayed_turns(app, 0.3)
        results = await asyncio.gather(
            one.answer(principal, conversation_id, MessageIn(content=INCOME)),
            other.answer(principal, conversation_id, MessageIn(content=SCORE)),
            return_exceptions=True,
        )
        read = await thread(http, me, conversation_id)
        answered = [r for r in results if not isinstance(r, BaseException)]
        if settings.is_sqlite:
            # No row lock: the later save finds the thread moved on and is refused.
            assert len(answered) == 1
            assert sum(isinstance(r, TurnConflict) for r in results) == 1
        else:
            # The row lock held the second turn until the first was committed.
            assert len(answered) == 2, results
            assert read["profile"]["annual_income"] == 95000
            assert read["profile"]["credit_score"] == 700
        assert read["turns"] == len(answered)
        assert len(read["messages"]) == 2 * len(answered)


async def test_a_thread_lock_is_dropped_once_nobody_waits(app: FastAPI) -> None:
    turns = 3
    async with a_user(app) as (http, me):
        conversation_id = await start(http, me)
        user_id = (await http.get("/api/v1/users/me", headers=me)).json()["id"]
        principal = await _principal(app, user_id)
        flow = delayed_turns(app, 0.05)
        await asyncio.gather(
            *(
                flow.answer(principal, conversation_id, MessageIn(content=f"{INCOME} ({n})"))
                for n in range(turns)
            )
        )
        assert len(flow.locks) == 0
        assert (await thread(http, me, conversation_id))["turns"] == turns
