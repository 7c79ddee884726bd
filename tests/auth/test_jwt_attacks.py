"""Forged and malformed access tokens against the real app: each must be a 401, never a
500 and never a success. A correctly forged token (real secret, kid ``primary``, the sid of
a real session) is accepted, so every refusal here is for the one thing the attack changed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from fastapi import FastAPI

from apfa.auth.permissions import Role
from apfa.auth.tokens import InvalidToken, TokenService
from apfa.core.db import SESSIONMAKER, session_scope
from apfa.users.service import create_user
from support import PASSWORD, bearer

SECRET = "test-secret-" + "x" * 40
KID = "primary"
ME = "/api/v1/users/me"


@dataclass(frozen=True)
class Victim:
    """A real user with a real login session, whose tokens the attacks imitate."""

    username: str
    user_id: int
    session_id: str
    refresh_token: str


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _segment(value: dict[str, Any]) -> str:
    return _b64(json.dumps(value, separators=(",", ":")).encode())


def _header(**fields: object) -> dict[str, Any]:
    """A token header; a field set to None is left out."""
    merged: dict[str, Any] = {"alg": "HS256", "typ": "JWT", "kid": KID, **fields}
    return {name: value for name, value in merged.items() if value is not None}


def _compact(
    header: dict[str, Any],
    claims: dict[str, Any],
    key: bytes | None,
    digest: Callable[..., Any] = hashlib.sha256,
) -> str:
    """A JWS built by hand, so that headers and keys no library would emit can be sent;
    HMAC-signed with ``key``, or unsigned when it is None."""
    signing_input = f"{_segment(header)}.{_segment(claims)}"
    mac = hmac.new(key, signing_input.encode(), digest).digest() if key is not None else b""
    return f"{signing_input}.{_b64(mac)}"


def _in(minutes: int) -> int:
    return int((datetime.now(UTC) + timedelta(minutes=minutes)).timestamp())


def claims_for(victim: Victim, **overrides: object) -> dict[str, Any]:
    """Every claim a real access token carries; an override of None removes the claim."""
    now = _in(0)
    claims: dict[str, Any] = {
        "sub": str(victim.user_id),
        "role": "user",
        "jti": secrets.token_urlsafe(16),
        "sid": victim.session_id,
        "iat": now,
        "nbf": now,
        "exp": now + 300,
        "iss": "apfa",
        "aud": "apfa-api",
        "typ": "access",
    }
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def forge(victim: Victim, *, header: dict[str, Any] | None = None, **overrides: object) -> str:
    """A token signed with the real secret; ``header`` entries set to None are dropped."""
    return _compact(_header(**(header or {})), claims_for(victim, **overrides), SECRET.encode())


@pytest.fixture(scope="module")
async def victim(app: FastAPI, client: httpx.AsyncClient) -> Victim:
    name = f"jwt-victim-{uuid.uuid4().hex[:12]}"
    async with session_scope(SESSIONMAKER.of(app)) as session:
        await create_user(session, name, PASSWORD, Role.USER)
    response = await client.post("/token", data={"username": name, "password": PASSWORD})
    assert response.status_code == 200, response.text
    body = response.json()
    claims = jwt.decode(body["access_token"], options={"verify_signature": False})
    return Victim(name, int(claims["sub"]), claims["sid"], body["refresh_token"])


@pytest.fixture(scope="module")
def rsa_private_key() -> Any:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


async def _refused(client: httpx.AsyncClient, token: str) -> None:
    response = await client.get(ME, headers=bearer(token))
    assert response.status_code == 401, response.text
    assert response.json()["error"] == "not_authenticated"
    assert response.headers["www-authenticate"] == "Bearer"


async def test_positive_control_a_correct_forgery_is_accepted(
    client: httpx.AsyncClient, victim: Victim
) -> None:
    response = await client.get(ME, headers=bearer(forge(victim)))
    assert response.status_code == 200, response.text
    assert response.json()["username"] == victim.username


def _tampered(**changes: object) -> Callable[[Victim], str]:
    def build(v: Victim) -> str:
        header, payload, signature = forge(v).split(".")
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        claims.update(changes)
        return f"{header}.{_segment(claims)}.{signature}"

    return build


CLAIM_ATTACKS: dict[str, Callable[[Victim], str]] = {
    "alg none": lambda v: _compact(_header(alg="none"), claims_for(v), None),
    "alg None": lambda v: _compact(_header(alg="None"), claims_for(v), None),
    "alg NONE": lambda v: _compact(_header(alg="NONE"), claims_for(v), None),
    "alg none, real signature kept": lambda v: _compact(
        _header(alg="none"), claims_for(v), SECRET.encode()
    ),
    "alg HS512 with the real secret": lambda v: _compact(
        _header(alg="HS512"), claims_for(v), SECRET.encode(), hashlib.sha512
    ),
    "signature stripped": lambda v: forge(v).rsplit(".", 1)[0] + ".",
    "tampered role": _tampered(role="super_admin"),
    "tampered sub": _tampered(sub="1"),
    "tampered exp": _tampered(exp=_in(60 * 24 * 365)),
    "expired": lambda v: forge(v, iat=_in(-30), nbf=_in(-30), exp=_in(-1)),
    "nbf in the future": lambda v: forge(v, nbf=_in(5)),
    "wrong aud": lambda v: forge(v, aud="someone-else"),
    "wrong iss": lambda v: forge(v, iss="someone-else"),
    "missing sid": lambda v: forge(v, sid=None),
    "missing jti": lambda v: forge(v, jti=None),
    "missing typ": lambda v: forge(v, typ=None),
    "missing exp": lambda v: forge(v, exp=None),
    "typ refresh": lambda v: forge(v, typ="refresh"),
    "refresh token as bearer": lambda v: v.refresh_token,
    "api key shaped bearer": lambda v: f"apfa_{secrets.token_hex(6)}_{secrets.token_urlsafe(32)}",
    "garbage": lambda v: "not.a.jwt",
}


@pytest.mark.parametrize("attack", CLAIM_ATTACKS.values(), ids=CLAIM_ATTACKS.keys())
async def test_forged_tokens_are_refused(
    client: httpx.AsyncClient, victim: Victim, attack: Callable[[Victim], str]
) -> None:
    await _refused(client, attack(victim))


async def test_rs256_token_from_a_fresh_rsa_key_is_refused(
    client: httpx.AsyncClient, victim: Victim, rsa_private_key: Any
) -> None:
    token = jwt.encode(claims_for(victim), rsa_private_key, algorithm="RS256", headers={"kid": KID})
    assert jwt.get_unverified_header(token)["alg"] == "RS256"
    await _refused(client, token)


async def test_hs256_keyed_with_an_rsa_public_pem_is_refused(
    client: httpx.AsyncClient, victim: Victim, rsa_private_key: Any
) -> None:
    pem: bytes = rsa_private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    await _refused(client, _compact(_header(), claims_for(victim), pem))


BAD_KIDS = {
    "path traversal": "../../etc/passwd",
    "device file": "/dev/null",
    "url": "http://evil.example/key",
    "sql": "' OR '1'='1",
    "not in keyring": "retired-2020",
    "empty": "",
    "not a string": 1,
    "absent": None,
}


@pytest.mark.parametrize("kid", BAD_KIDS.values(), ids=BAD_KIDS.keys())
async def test_kid_other_than_a_keyring_id_is_refused(
    client: httpx.AsyncClient, victim: Victim, kid: object
) -> None:
    await _refused(client, forge(victim, header={"kid": kid}))


@pytest.fixture
def network_calls(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Records (and blocks) every attempt to open a connection or resolve a name."""
    calls: list[object] = []

    def record(*args: object, **kwargs: object) -> Any:
        calls.append(args)
        raise OSError("network disabled in this test")

    for owner, name in [(socket.socket, "connect"), (socket.socket, "connect_ex")]:
        monkeypatch.setattr(owner, name, record)
    for name in ("create_connection", "getaddrinfo"):
        monkeypatch.setattr(socket, name, record)
    return calls


FOREIGN_KEY_HEADERS: dict[str, object] = {
    "jku": "http://evil.example/.well-known/jwks.json",
    "x5u": "http://evil.example/cert.pem",
    "jwk": {"kty": "oct", "kid": "attacker", "k": _b64(b"attacker-key-" + b"a" * 40)},
    "x5c": [_b64(b"not really a certificate")],
}


@pytest.mark.parametrize("name", FOREIGN_KEY_HEADERS)
async def test_headers_pointing_at_other_keys_are_refused_offline(
    client: httpx.AsyncClient, victim: Victim, network_calls: list[object], name: str
) -> None:
    token = forge(victim, header={name: FOREIGN_KEY_HEADERS[name]})
    assert jwt.get_unverified_header(token)["kid"] == KID
    await _refused(client, token)
    assert network_calls == []
    control = await client.get(ME, headers=bearer(forge(victim)))
    assert control.status_code == 200, "the same token without the header must pass"


async def test_credentials_in_the_query_string_are_a_400(
    client: httpx.AsyncClient, victim: Victim
) -> None:
    token = forge(victim)
    response = await client.get(ME, params={"access_token": token})
    assert response.status_code == 400
    assert response.json()["error"] == "credentials_in_query"
    both = await client.get(ME, params={"access_token": token}, headers=bearer(token))
    assert both.status_code == 400
    assert (await client.get(ME, headers=bearer(token))).status_code == 200


def _service(keys: dict[str, str], active: str) -> TokenService:
    return TokenService(keys, active, issuer="apfa", audience="apfa-api", ttl=timedelta(minutes=15))


OLD_KEY = "old-signing-key-" + "o" * 32
NEW_KEY = "new-signing-key-" + "n" * 32


def test_rotation_old_kid_verifies_until_its_key_is_removed() -> None:
    before = _service({"2026-05": OLD_KEY}, "2026-05")
    old = before.issue_access(subject="7", role="user", session_id="s-old")
    assert jwt.get_unverified_header(old.token)["kid"] == "2026-05"
    rotated = _service({"2026-05": OLD_KEY, "2026-11": NEW_KEY}, "2026-11")
    assert rotated.decode_access(old.token).jti == old.jti
    new = rotated.issue_access(subject="7", role="user", session_id="s-new")
    assert jwt.get_unverified_header(new.token)["kid"] == "2026-11"
    assert rotated.decode_access(new.token).session_id == "s-new"
    assert jwt.decode(new.token, NEW_KEY, algorithms=["HS256"], audience="apfa-api")["sub"] == "7"
    retired = _service({"2026-11": NEW_KEY}, "2026-11")
    with pytest.raises(InvalidToken):
        retired.decode_access(old.token)
    assert retired.decode_access(new.token).jti == new.jti


def test_rotation_kid_must_name_the_key_that_signed() -> None:
    rotated = _service({"2026-05": OLD_KEY, "2026-11": NEW_KEY}, "2026-11")
    issued = _service({"2026-05": OLD_KEY}, "2026-05").issue_access(
        subject="7", role="user", session_id="s"
    )
    header, payload, signature = issued.token.split(".")
    relabelled = _segment(_header(kid="2026-11"))
    with pytest.raises(InvalidToken):
        rotated.decode_access(f"{relabelled}.{payload}.{signature}")
    assert rotated.decode_access(f"{header}.{payload}.{signature}").subject == "7"
