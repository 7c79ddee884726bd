"""Helpers of the conversation tests (``tests/conversations``)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any, cast

import httpx
from fastapi import FastAPI

from apfa.advice.answers import Answer
from apfa.advice.flows import ADVICE_PIPELINE, AdvicePipeline, Generate
from apfa.advice.followup import Thread
from apfa.advice.generation import Generated, GenerationChain, Inputs
from apfa.advice.schemas import LoanQuery
from apfa.auth.permissions import Role
from apfa.conversations.flows import ConversationTurns
from apfa.core.db import SESSIONMAKER
from support import client_as

PATH = "/api/v1/conversations"
HOUSE = "Can I afford a $400,000 house making $95,000 a year with $500 in monthly debts?"
DOWN = "what if I put 20% down instead?"
RAISE = "actually I make 110k"
CARD = "how do I pay off my credit card with a $5,000 balance at 24% apr?"


@asynccontextmanager
async def a_user(
    app: FastAPI, role: Role = Role.USER
) -> AsyncIterator[tuple[httpx.AsyncClient, dict[str, str]]]:
    """A new user of ``role``: a client of ``app`` and the user's headers."""
    http, headers = await client_as(app, f"talker-{uuid.uuid4().hex[:10]}", role)
    try:
        yield http, headers
    finally:
        await http.aclose()


async def start(http: httpx.AsyncClient, headers: dict[str, str], **body: Any) -> int:
    response = await http.post(PATH, json=body or None, headers=headers)
    assert response.status_code == 201, response.text
    conversation_id: int = response.json()["id"]
    return conversation_id


async def say(
    http: httpx.AsyncClient,
    headers: dict[str, str],
    conversation_id: int,
    content: str,
    **extra: Any,
) -> dict[str, Any]:
    response = await http.post(
        f"{PATH}/{conversation_id}/messages", json={"content": content, **extra}, headers=headers
    )
    assert response.status_code == 200, response.text
    answer: dict[str, Any] = response.json()
    return answer


async def thread(
    http: httpx.AsyncClient, headers: dict[str, str], conversation_id: int
) -> dict[str, Any]:
    response = await http.get(f"{PATH}/{conversation_id}", headers=headers)
    assert response.status_code == 200, response.text
    found: dict[str, Any] = response.json()
    return found


class Delayed:
    """The app's pipeline with each turn held for ``seconds`` once its text is written
    (after the ``citations`` and ``metrics`` events, before the turn is saved): a window
    in which a client can leave or another message arrive."""

    def __init__(self, pipeline: AdvicePipeline, seconds: float) -> None:
        self._pipeline = pipeline
        self._seconds = seconds

    @property
    def chain(self) -> GenerationChain:
        return self._pipeline.chain

    async def answer_turn(
        self, query: LoanQuery, thread: Thread, generate: Generate | None = None
    ) -> tuple[Answer, Thread]:
        write = generate or self._pipeline.chain.generate

        async def slowly(inputs: Inputs) -> Generated:
            generated = await write(inputs)
            await asyncio.sleep(self._seconds)
            return generated

        return await self._pipeline.answer_turn(query, thread, slowly)


def delayed_turns(app: FastAPI, seconds: float) -> ConversationTurns:
    """Conversation turns of ``app``'s database and pipeline, each held for ``seconds``,
    with locks of their own (as another process would have)."""
    slow = cast(AdvicePipeline, Delayed(ADVICE_PIPELINE.of(app), seconds))
    return ConversationTurns(SESSIONMAKER.of(app), slow)
