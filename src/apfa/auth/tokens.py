"""Access tokens: HS256 JWTs with a pinned algorithm and every registered claim required.

Each token names its signing key in the ``kid`` header; ``kid`` is only ever a key into
the configured keyring (never a path or URL). Headers that point elsewhere for keys
(``jku``, ``x5u``, ``jwk``, ``x5c``) or demand extensions (``crit``) are refused outright.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cachetools import TTLCache

from apfa.core.resources import Resource

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
_REQUIRED_CLAIMS = ["sub", "role", "jti", "sid", "iat", "nbf", "exp", "iss", "aud", "typ"]
_FORBIDDEN_HEADERS = frozenset({"jku", "x5u", "jwk", "x5c", "x5t", "x5t#S256", "crit"})
_KID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
VERIFIED_CACHE_SIZE = 10_000
VERIFIED_CACHE_SECONDS = 30


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or not an access token."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    role: str
    jti: str
    session_id: str
    issued_at: datetime
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int


class TokenService:
    def __init__(
        self,
        keys: dict[str, str],
        active_kid: str,
        *,
        issuer: str,
        audience: str,
        ttl: timedelta,
    ) -> None:
        for kid, secret in keys.items():
            if not _KID.fullmatch(kid):
                raise ValueError(f"invalid JWT key id {kid!r}")
            if len(secret.encode()) < 32:
                raise ValueError(f"JWT key {kid!r} must be at least 32 bytes")
        if active_kid not in keys:
            raise ValueError("the active JWT key id is not in the keyring")
        self._keys = dict(keys)
        self._active = active_kid
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        # Exact token strings already verified: skips re-checking the signature of a token
        # seen seconds ago. Expiry is still enforced on every use.
        self._verified: TTLCache[str, AccessClaims] = TTLCache(
            VERIFIED_CACHE_SIZE, VERIFIED_CACHE_SECONDS
        )

    @property
    def ttl(self) -> timedelta:
        return self._ttl

    def issue_access(self, *, subject: str, role: str, session_id: str) -> IssuedToken:
        now = datetime.now(UTC)
        jti = secrets.token_urlsafe(16)
        claims = {
            "sub": subject,
            "role": role,
            "jti": jti,
            "sid": session_id,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "typ": ACCESS_TYPE,
        }
        token = jwt.encode(
            claims, self._keys[self._active], algorithm=ALGORITHM, headers={"kid": self._active}
        )
        return IssuedToken(token=token, jti=jti, expires_in=int(self._ttl.total_seconds()))

    def decode_access(self, token: str) -> AccessClaims:
        known = self._verified.get(token)
        if known is not None:
            if known.expires_at <= datetime.now(UTC):
                raise InvalidToken("token has expired")
            return known
        claims = self._verify(token)
        self._verified[token] = claims
        return claims

    def _key_for(self, token: str) -> str:
        try:
            header = jwt.get_unverified_header(token)
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("unexpected algorithm")
        if _FORBIDDEN_HEADERS & set(header):
            raise InvalidToken("token header names an external key or extension")
        kid = header.get("kid")
        if not isinstance(kid, str) or not _KID.fullmatch(kid) or kid not in self._keys:
            raise InvalidToken("unknown key id")
        return self._keys[kid]

    def _verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._key_for(token),
                algorithms=[ALGORITHM],
                audience=self._audience,
                issuer=self._issuer,
                options={"require": _REQUIRED_CLAIMS},
                leeway=5,
            )
        except jwt.PyJWTError as exc:
            raise InvalidToken(str(exc)) from exc
        if claims.get("typ") != ACCESS_TYPE:
            raise InvalidToken("not an access token")
        values = [claims.get(name) for name in ("sub", "role", "jti", "sid")]
        if not all(isinstance(v, str) and v for v in values):
            raise InvalidToken("malformed claims")
        sub, role, jti, sid = (str(v) for v in values)
        return AccessClaims(
            subject=sub,
            role=role,
            jti=jti,
            session_id=sid,
            issued_at=datetime.fromtimestamp(int(claims["iat"]), UTC),
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )


TOKENS = Resource[TokenService]("token service")
