"""Events published into ``EVENTS.of(app)`` reach Socket.IO clients of a real server:
latency, throttling with coalescing, replay with ``since``, and sessions cut off."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import httpx
import pytest
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.auth.sessions import revoke_user_sessions
from apfa.core.config import SETTINGS
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.events.sink import (
    BATCH_PROGRESS,
    EVENTS,
    INDEX_ROOM,
    INDEX_SWAPPED,
    METRICS_ROOM,
    TASK_UPDATE,
    TASKS_ROOM,
)
from apfa.users.service import create_user
from realtime_support import Client, eventually, serving
from support import PASSWORD, bearer, login


@pytest.fixture(scope="module")
async def url(app: FastAPI) -> AsyncIterator[str]:
    async with serving(app) as base:
        yield base


@pytest.fixture
async def clients() -> AsyncIterator[list[Client]]:
    made: list[Client] = []
    yield made
    for client in made:
        await client.close()


async def connected(clients: list[Client], url: str, token: str, *rooms: str) -> Client:
    client = Client()
    clients.append(client)
    await client.connect(url, token)
    for room in rooms:
        assert await client.subscribe(room) == {"ok": True}
    return client


async def fresh_user(app: FastAPI, http: httpx.AsyncClient, role: Role) -> tuple[int, str]:
    name = f"ws-{role.value.replace('_', '-')}-{uuid.uuid4().hex[:10]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        user = await create_user(session, name, PASSWORD, role)
        user_id = user.id
    return user_id, await login(http, name)


def of_task(client: Client, task_id: str) -> list[dict[str, object]]:
    return [r.data for r in client.received if r.data.get("task_id") == task_id]


async def test_admin_receives_a_published_event_within_a_second(
    app: FastAPI, url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    admin = await connected(clients, url, tokens[Role.ADMIN], TASKS_ROOM)
    advisor = await connected(clients, url, tokens[Role.FINANCIAL_ADVISOR], METRICS_ROOM)
    task_id = str(uuid.uuid4())
    started = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    EVENTS.of(app).publish(
        TASKS_ROOM,
        TASK_UPDATE,
        {"task_id": task_id, "state": "running", "started_at": started, "event_id": -1},
    )
    took = await eventually(lambda: bool(of_task(admin, task_id)), 1.0)
    assert took < 1.0
    [payload] = of_task(admin, task_id)
    assert payload["state"] == "running"
    assert payload["started_at"] == "2026-01-02T03:04:05+00:00"
    assert payload["room"] == TASKS_ROOM
    assert isinstance(payload["event_id"], int)
    assert payload["event_id"] > 0
    await asyncio.sleep(0.2)
    assert of_task(advisor, task_id) == [], "a client outside the room got the event"


async def test_throttled_to_the_rate_with_coalescing_and_final_state(
    app: FastAPI, url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    rate = SETTINGS.of(app).ws_max_updates_per_second
    assert rate == 10
    admin = await connected(clients, url, tokens[Role.ADMIN], TASKS_ROOM, INDEX_ROOM)
    task_id, swap_id = str(uuid.uuid4()), uuid.uuid4().hex
    events = EVENTS.of(app)
    for done in range(200):
        data = {"task_id": task_id, "state": "running", "progress": {"done": done}}
        events.publish(TASKS_ROOM, BATCH_PROGRESS, data)
        if done % 50 == 0:  # not coalescable: every one must arrive
            events.publish(INDEX_ROOM, INDEX_SWAPPED, {"version": done, "swap": swap_id})
        await asyncio.sleep(0.005)
    events.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": task_id, "state": "succeeded"})

    await eventually(lambda: any(d.get("state") == "succeeded" for d in of_task(admin, task_id)))
    mine = [r for r in admin.received if r.data.get("task_id") == task_id]
    mine += [r for r in admin.received if r.data.get("swap") == swap_id]
    mine.sort(key=lambda r: r.at)
    times = [r.at for r in mine]
    # At most `rate` in any one second: any rate+1 consecutive arrivals span a second
    # (less 0.1 s for network jitter; unthrottled, they arrive within tens of ms).
    for first, last in zip(times, times[int(rate) :], strict=False):
        assert last - first >= 0.9, f"{int(rate) + 1} updates within {last - first:.3f} s"
    assert 5 <= len(mine) < 40, len(mine)
    assert mine[-1].data["state"] == "succeeded"
    ids = [r.data["event_id"] for r in mine]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert [r.data["version"] for r in mine if r.name == INDEX_SWAPPED] == [0, 50, 100, 150]
    progress = [r.data["progress"]["done"] for r in mine if r.name == BATCH_PROGRESS]
    assert progress == sorted(progress)
    assert len(progress) < 200


async def test_reconnect_with_since_gets_missed_events_then_live_ones(
    app: FastAPI, url: str, tokens: dict[Role, str], clients: list[Client]
) -> None:
    events = EVENTS.of(app)
    first = await connected(clients, url, tokens[Role.ADMIN], TASKS_ROOM)
    seen_task = str(uuid.uuid4())
    events.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": seen_task, "state": "running"})
    await eventually(lambda: bool(of_task(first, seen_task)))
    since = int(str(of_task(first, seen_task)[-1]["event_id"]))
    await first.close()

    missed = [str(uuid.uuid4()) for _ in range(3)]
    for task_id in missed:
        events.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": task_id, "state": "pending"})
    events.publish(INDEX_ROOM, INDEX_SWAPPED, {"version": 99})  # another room: not replayed

    second = Client()
    clients.append(second)
    await second.connect(url, tokens[Role.ADMIN])
    ack = await second.subscribe(TASKS_ROOM, since=since)
    assert ack == {"ok": True, "replayed": 3, "truncated": False}
    live = str(uuid.uuid4())
    events.publish(TASKS_ROOM, TASK_UPDATE, {"task_id": live, "state": "pending"})
    await eventually(lambda: bool(of_task(second, live)))
    await asyncio.sleep(0.3)
    got = [r.data["task_id"] for r in second.received if r.name == TASK_UPDATE]
    assert got == [*missed, live]
    ids = [int(r.data["event_id"]) for r in second.received]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
    assert all(i > since for i in ids)


async def test_session_revoked_through_the_api_is_disconnected_within_5_seconds(
    app: FastAPI, url: str, client: httpx.AsyncClient, clients: list[Client]
) -> None:
    _, token = await fresh_user(app, client, Role.ADMIN)
    watcher = await connected(clients, url, token, TASKS_ROOM)
    assert (await client.post("/token/revoke-all", headers=bearer(token))).status_code == 204
    revoked_at = time.monotonic()
    await eventually(lambda: watcher.disconnected_at is not None, 5.0)
    assert watcher.disconnected_at is not None
    assert watcher.disconnected_at - revoked_at < 5.0
    assert watcher.events("session_ended")[0]["reason"] == "session_revoked"


async def test_session_revoked_by_another_process_is_disconnected_within_5_seconds(
    app: FastAPI, url: str, client: httpx.AsyncClient, clients: list[Client]
) -> None:
    """Revoked in the database only, as another API process would: this process learns
    of it from its periodic revocation sync."""
    user_id, token = await fresh_user(app, client, Role.ADMIN)
    watcher = await connected(clients, url, token, TASKS_ROOM)
    async with session_scope(SESSIONMAKER.of(app)) as session:
        assert await revoke_user_sessions(session, user_id, reason="test")
    revoked_at = time.monotonic()
    await eventually(lambda: watcher.disconnected_at is not None, 5.0)
    assert watcher.disconnected_at is not None
    assert watcher.disconnected_at - revoked_at < 5.0
    assert watcher.events("session_ended")[0]["reason"] == "session_revoked"


async def test_demoted_admin_loses_the_tasks_room_within_5_seconds(
    app: FastAPI,
    url: str,
    client: httpx.AsyncClient,
    tokens: dict[Role, str],
    clients: list[Client],
) -> None:
    user_id, token = await fresh_user(app, client, Role.ADMIN)
    watcher = await connected(clients, url, token, TASKS_ROOM, METRICS_ROOM)
    response = await client.patch(
        f"/api/v1/users/{user_id}",
        json={"role": Role.FINANCIAL_ADVISOR.value},
        headers=bearer(tokens[Role.SUPER_ADMIN]),
    )
    assert response.status_code == 200, response.text
    await eventually(lambda: bool(watcher.events("unsubscribed")), 5.0)
    [notice] = watcher.events("unsubscribed")
    assert notice["room"] == TASKS_ROOM
    assert "admin:celery:view" in notice["error"]
    task_id = str(uuid.uuid4())
    EVENTS.of(app).publish(TASKS_ROOM, TASK_UPDATE, {"task_id": task_id, "state": "running"})
    await asyncio.sleep(0.3)
    assert of_task(watcher, task_id) == []
    assert watcher.sio.connected
    assert (await watcher.subscribe(TASKS_ROOM))["ok"] is False
