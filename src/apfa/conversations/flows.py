"""Answering a message of a conversation: the turn is read against the thread as its last
turn left it, answered by the advice pipeline, and saved with both messages in one
transaction.

Turns of one thread never overlap, so none is lost: in a process they queue on a lock per
thread, and across processes PostgreSQL's row lock (``SELECT ... FOR UPDATE``) holds the
next turn until the last one is committed. SQLite has no row locks; there a turn is saved
only over the state it was read from (``service.record_turn``), so two processes answering
the same thread at the same instant give the later one a 409 rather than a lost turn.

A turn runs to its end once its message was received, even if the client goes away
(a stream cut short): the answer is deterministic, and a thread must not silently miss a
turn its user believes they sent. The client reads it back with GET.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import structlog
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.advice.flows import AdvicePipeline, Generate
from apfa.advice.streaming import Finished
from apfa.auth.service import Principal
from apfa.conversations import service
from apfa.conversations.schemas import MessageIn
from apfa.core.context import current_request_id
from apfa.core.db import session_scope
from apfa.core.errors import AppError
from apfa.core.resources import Resource

log = structlog.get_logger(__name__)


@dataclass
class _Queue:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    users: int = 0


# A thread, as its owner's id and its own: another user's request for the same id never
# waits on the owner's turns (it is refused as not found at once).
ThreadKey = tuple[int, int]


class ThreadLocks:
    """One lock per thread, kept only while someone holds or awaits it."""

    def __init__(self) -> None:
        self._queues: dict[ThreadKey, _Queue] = {}

    @contextlib.asynccontextmanager
    async def hold(self, key: ThreadKey) -> AsyncIterator[None]:
        queue = self._queues.setdefault(key, _Queue())
        queue.users += 1
        try:
            async with queue.lock:
                yield
        finally:
            queue.users -= 1
            if not queue.users:
                del self._queues[key]

    def __len__(self) -> int:
        return len(self._queues)


class ConversationTurns:
    def __init__(self, maker: async_sessionmaker[AsyncSession], pipeline: AdvicePipeline) -> None:
        self._maker = maker
        self._pipeline = pipeline
        self._locks = ThreadLocks()
        self._running: set[asyncio.Task[Finished]] = set()

    @property
    def pipeline(self) -> AdvicePipeline:
        return self._pipeline

    @property
    def locks(self) -> ThreadLocks:
        return self._locks

    async def check(self, user_id: int, conversation_id: int) -> None:
        """The errors a turn would meet at once (404, 409), before a stream starts."""
        async with self._maker() as session:
            service.check_room(await service.owned(session, user_id, conversation_id))

    async def answer(
        self,
        principal: Principal,
        conversation_id: int,
        message: MessageIn,
        generate: Generate | None = None,
    ) -> Finished:
        """Answer ``message`` in the caller's thread and save the turn; the answer and the
        response (with the answer's ``message_id``). Finishes even if the caller is
        cancelled."""
        task = asyncio.create_task(self._turn(principal, conversation_id, message, generate))
        self._running.add(task)
        task.add_done_callback(self._finished)
        return await asyncio.shield(task)

    async def aclose(self) -> None:
        """Let the turns under way finish (shutdown)."""
        if self._running:
            await asyncio.wait(set(self._running))

    async def _turn(
        self,
        principal: Principal,
        conversation_id: int,
        message: MessageIn,
        generate: Generate | None,
    ) -> Finished:
        request_id = current_request_id()
        key = (principal.user_id, conversation_id)
        async with self._locks.hold(key), session_scope(self._maker) as session:
            conversation = await service.owned(
                session, principal.user_id, conversation_id, lock=True
            )
            service.check_room(conversation)
            answer, after = await self._pipeline.answer_turn(
                message.as_query(), service.thread_of(conversation), generate
            )
            message_id = await service.record_turn(
                session, conversation, message, answer, after, request_id
            )
        rendered = answer.render(principal.username, request_id, message_id=message_id)
        return Finished(answer, rendered)

    def _finished(self, task: asyncio.Task[Finished]) -> None:
        self._running.discard(task)
        if task.cancelled():
            return
        error = task.exception()
        if error is not None and not isinstance(error, AppError):
            log.error("conversation_turn_failed", error=repr(error))


CONVERSATION_TURNS = Resource[ConversationTurns]("conversation turns")
