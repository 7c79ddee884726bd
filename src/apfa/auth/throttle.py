"""Login brute-force protection that a stranger cannot turn into a lockout of someone else.

Two counters per username, whether or not such a user exists (so neither reveals anything):

- per (username, client address): ``max_failures`` wrong passwords within ``window`` lock
  that pair for ``lockout``. The owner, from anywhere else, still logs in.
- per username, over all clients: past ``account_max_failures`` within ``window`` each
  further failure starts a backoff that doubles, capped at ``account_backoff_max``, during
  which every client is refused. It slows a guesser spread over many addresses; one client
  alone can never reach it, and it never lasts longer than the cap after the last failure.

The key is the username as login matching treats it apart from case and surrounding space
(``login_key``), so ``ADMIN`` and ``admin `` count against ``admin``. The account-wide row is
keyed by that name, a per-client row by a digest of name and address; both fit the table's
64-character key.
"""

from __future__ import annotations

import hashlib
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from apfa.models import LoginThrottle
from apfa.models.base import utcnow

KEY_LENGTH = 64


@dataclass(frozen=True, slots=True)
class LockoutPolicy:
    max_failures: int = 5
    window: timedelta = timedelta(minutes=15)
    lockout: timedelta = timedelta(minutes=15)
    account_max_failures: int = 20
    account_backoff_max: timedelta = timedelta(seconds=60)


@dataclass(frozen=True, slots=True)
class Failure:
    """What one failure started: a lock of this client, a backoff of the whole account."""

    client_locked_until: datetime | None
    account_backoff_until: datetime | None


def login_key(username: str) -> str:
    return unicodedata.normalize("NFKC", username).strip().casefold()[:KEY_LENGTH]


def _client_key(username: str, client: str | None) -> str:
    raw = f"{login_key(username)}\x00{client or '-'}".encode()
    return hashlib.sha256(raw).hexdigest()


async def locked_until(session: AsyncSession, username: str, client: str | None) -> datetime | None:
    """When this client may try this username again: its own lock or the account's backoff,
    whichever ends later; None when it may try now."""
    now = utcnow()
    ends = [
        row.locked_until
        for row in (
            await session.get(LoginThrottle, _client_key(username, client)),
            await session.get(LoginThrottle, login_key(username)),
        )
        if row is not None and row.locked_until is not None and row.locked_until > now
    ]
    return max(ends, default=None)


async def _counted(session: AsyncSession, key: str, window: timedelta) -> LoginThrottle:
    now = utcnow()
    row = await session.get(LoginThrottle, key, with_for_update=True)
    if row is None:
        row = LoginThrottle(username=key, failures=0, window_started_at=now)
        session.add(row)
    if row.window_started_at + window <= now:
        row.failures, row.window_started_at, row.locked_until = 0, now, None
    row.failures += 1
    return row


async def record_failure(
    session: AsyncSession, username: str, client: str | None, policy: LockoutPolicy
) -> Failure:
    """Count a failure against the client's pair and the account; returns what started."""
    now = utcnow()
    pair = await _counted(session, _client_key(username, client), policy.window)
    if pair.locked_until is not None and pair.locked_until <= now:
        pair.failures, pair.window_started_at, pair.locked_until = 1, now, None
    client_locked = None
    if pair.failures >= policy.max_failures:
        pair.locked_until = client_locked = now + policy.lockout
    account = await _counted(session, login_key(username), policy.window)
    backoff = None
    excess = account.failures - policy.account_max_failures
    if excess >= 0:
        seconds = min(2.0 ** min(excess, 30), policy.account_backoff_max.total_seconds())
        account.locked_until = backoff = now + timedelta(seconds=seconds)
    await session.flush()
    return Failure(client_locked, backoff)


async def record_success(session: AsyncSession, username: str, client: str | None) -> None:
    for key in (_client_key(username, client), login_key(username)):
        row = await session.get(LoginThrottle, key)
        if row is not None:
            await session.delete(row)
    await session.flush()
