"""What happens on connect, subscribe, unsubscribe and disconnect, and the periodic
re-check that ends revoked sessions and takes rooms from demoted users.

Shared by both Socket.IO servers (JSON and MessagePack): one registry, one set of limits.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import Any

import socketio
import structlog

from apfa.auth.dependencies import principal_from_access_token
from apfa.auth.tokens import TOKENS
from apfa.core.config import Settings
from apfa.core.errors import NotAuthenticated
from apfa.core.ratelimit import RATE_LIMITER
from apfa.core.resources import Resources
from apfa.events.envelope import Replay
from apfa.events.stream import EventStream
from apfa.realtime.auth import authenticate, refused
from apfa.realtime.connections import Connection, Registry
from apfa.realtime.limits import REFRESH_SECONDS, ConnectionLimiter
from apfa.realtime.rooms import refusal, visible_rooms
from apfa.realtime.throttle import Outbox

log = structlog.get_logger(__name__)

SESSION_ENDED = "session_ended"
UNSUBSCRIBED = "unsubscribed"
NAMESPACE = "/"
# Together with the revocation sync (2 s) and the principal cache (2 s), a revoked or
# demoted user is cut off within about 3 s, in every process.
REVALIDATE_SECONDS = 1.0
# A connection the Socket.IO manager still does not know after this long was abandoned
# during its handshake (the server then calls no disconnect handler).
HANDSHAKE_GRACE_SECONDS = 10.0
BAD_SUBSCRIBE = 'expected {"room": "<room>", "since": <optional event_id>}'


class Gateway:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.registry = Registry()
        self._resources: Resources | None = None
        self._stream: EventStream | None = None
        self._limiter: ConnectionLimiter | None = None
        self._background: set[asyncio.Task[None]] = set()
        self._opened_at: dict[str, float] = {}

    def bind(self, resources: Resources, stream: EventStream, limiter: ConnectionLimiter) -> None:
        self._resources, self._stream, self._limiter = resources, stream, limiter
        stream.add_listener(self.registry.deliver)

    async def connect(
        self, server: socketio.AsyncServer, sid: str, auth: object, address: str | None = None
    ) -> None:
        if self._resources is None or self._limiter is None:
            raise refused("the server is starting; retry shortly", "unavailable")
        await self._count_attempt(address)
        who = await authenticate(self._resources, auth)
        if not visible_rooms(who.principal.permissions):
            raise refused(f"forbidden: role {who.principal.role.value} sees no room", "forbidden")
        refused_because = await self._limiter.acquire(who.principal.user_id, sid)
        if refused_because is not None:
            raise refused(refused_because, "too_many_connections")

        async def send(name: str, payload: dict[str, Any]) -> None:
            await server.emit(name, payload, to=sid)

        outbox = Outbox(
            send,
            rate=self.settings.ws_max_updates_per_second,
            on_overflow=lambda: self._spawn(self._end(sid, "too_slow", "fell too far behind")),
        )
        connection = Connection(sid, server, who.token, who.principal, who.expires_at, outbox)
        self.registry.add(connection)
        self._opened_at[sid] = time.monotonic()
        outbox.start()

    async def _count_attempt(self, address: str | None) -> None:
        """Connection attempts per client address, before the token is even checked (a
        client guessing tokens or reconnecting in a loop); refused over the limit."""
        assert self._resources is not None
        limiter = self._resources.find(RATE_LIMITER)
        if limiter is None:
            return
        spec = self.settings.rate_limit_ws_connect
        verdict = await limiter.hit(spec, "ws_connect", address or "-")
        if not verdict.allowed:
            wait = verdict.reset_after
            raise refused(
                f"too many connection attempts ({spec}); retry in {wait} s", "rate_limited"
            )

    async def disconnect(self, sid: str) -> None:
        self._opened_at.pop(sid, None)
        connection = self.registry.remove(sid)
        if connection is None:
            return
        await connection.outbox.aclose()
        if self._limiter is not None:
            await self._limiter.release(connection.principal.user_id, sid)

    async def subscribe(self, sid: str, data: object) -> dict[str, Any]:
        connection = self.registry.connections.get(sid)
        if connection is None or self._stream is None:
            return {"ok": False, "error": "not connected"}
        if not isinstance(data, dict):
            return {"ok": False, "error": BAD_SUBSCRIBE}
        room, since = data.get("room"), data.get("since")
        if since is not None and (type(since) is not int or since < 0):
            return {"ok": False, "error": "since must be an event_id (a non-negative integer)"}
        reason = refusal(room, connection.principal.permissions)
        if reason is not None:
            return {"ok": False, "error": reason}
        assert isinstance(room, str)
        if not self.registry.join(connection, room, since) or since is None:
            return {"ok": True}
        try:
            replay = await self._stream.replay(room, since)
        except Exception as exc:
            log.warning("ws_replay_failed", room=room, error=str(exc))
            replay = Replay([], True, since)
        replayed = connection.merge_replay(room, replay)
        return {"ok": True, "replayed": replayed, "truncated": replay.truncated}

    async def unsubscribe(self, sid: str, data: object) -> dict[str, Any]:
        connection = self.registry.connections.get(sid)
        if connection is None:
            return {"ok": False, "error": "not connected"}
        room = data.get("room") if isinstance(data, dict) else data
        if not isinstance(room, str):
            return {"ok": False, "error": 'expected {"room": "<room>"}'}
        self.registry.leave(connection, room)
        return {"ok": True}

    async def supervise(self) -> None:
        """Forever: re-check every connection; refresh the shared connection leases."""
        refreshed = time.monotonic()
        while True:
            await asyncio.sleep(REVALIDATE_SECONDS)
            for connection in list(self.registry.connections.values()):
                try:
                    await self._revalidate(connection)
                except Exception:
                    log.exception("ws_revalidate_failed", sid=connection.sid)
            if self._limiter is not None and time.monotonic() - refreshed >= REFRESH_SECONDS:
                refreshed = time.monotonic()
                await self._limiter.refresh()

    async def _revalidate(self, connection: Connection) -> None:
        sid, server = connection.sid, connection.server
        opened = self._opened_at.get(sid, time.monotonic())
        if not server.manager.is_connected(sid, NAMESPACE):
            if time.monotonic() - opened > HANDSHAKE_GRACE_SECONDS:
                await self.disconnect(sid)
            return
        if connection.expires_at <= datetime.now(UTC):
            detail = "the access token expired; reconnect with a fresh one, passing since"
            await self._end(sid, "token_expired", detail)
            return
        assert self._resources is not None
        tokens = self._resources.get(TOKENS)
        try:
            principal = await principal_from_access_token(self._resources, tokens, connection.token)
        except NotAuthenticated:
            detail = "the session was revoked or the account deactivated"
            await self._end(sid, "session_revoked", detail)
            return
        visible = visible_rooms(principal.permissions)
        if not visible:
            await self._end(sid, "forbidden", f"role {principal.role.value} sees no room")
            return
        connection.principal = principal
        for room in [room for room in connection.rooms if room not in visible]:
            self.registry.leave(connection, room)
            notice = {"room": room, "error": refusal(room, principal.permissions)}
            await server.emit(UNSUBSCRIBED, notice, to=sid)

    async def _end(self, sid: str, reason: str, detail: str) -> None:
        """Tell the client why, then disconnect it. The socket may already be gone (at
        shutdown the web server closes connections first): clean-up happens regardless."""
        connection = self.registry.connections.get(sid)
        if connection is None:
            return
        await connection.outbox.aclose()
        server = connection.server
        try:
            await server.emit(SESSION_ENDED, {"reason": reason, "detail": detail}, to=sid)
            await server.disconnect(sid)
        except Exception as exc:
            log.debug("ws_end_failed", sid=sid, error=str(exc))
        await self.disconnect(sid)

    def _spawn(self, work: Any) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._background.add(task)
        task.add_done_callback(self._background.discard)

    async def aclose(self) -> None:
        for sid in list(self.registry.connections):
            await self._end(sid, "server_shutdown", "the server is shutting down")
        for task in list(self._background):
            task.cancel()
