"""Access tokens: HS256 JWTs with a pinned algorithm and every registered claim required."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import jwt
from cachetools import TTLCache

ALGORITHM = "HS256"
ACCESS_TYPE = "access"
_REQUIRED_CLAIMS = ["sub", "role", "jti", "iat", "nbf", "exp", "iss", "aud", "typ"]


class InvalidToken(Exception):
    """The token is malformed, tampered with, expired or not an access token."""


@dataclass(frozen=True, slots=True)
class AccessClaims:
    subject: str
    role: str
    jti: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class IssuedToken:
    token: str
    jti: str
    expires_in: int


VERIFIED_CACHE_SIZE = 10_000
VERIFIED_CACHE_SECONDS = 30


class TokenService:
    def __init__(self, secret: str, *, issuer: str, audience: str, ttl: timedelta) -> None:
        if len(secret.encode()) < 32:
            raise ValueError("the JWT secret must be at least 32 bytes")
        self._secret = secret
        self._issuer = issuer
        self._audience = audience
        self._ttl = ttl
        # Exact token strings already verified: skips re-checking the signature of a token
        # seen seconds ago. Expiry is still enforced on every use.
        self._verified: TTLCache[str, AccessClaims] = TTLCache(
            VERIFIED_CACHE_SIZE, VERIFIED_CACHE_SECONDS
        )

    def issue_access(self, *, subject: str, role: str) -> IssuedToken:
        now = datetime.now(UTC)
        jti = secrets.token_urlsafe(16)
        claims = {
            "sub": subject,
            "role": role,
            "jti": jti,
            "iat": now,
            "nbf": now,
            "exp": now + self._ttl,
            "iss": self._issuer,
            "aud": self._audience,
            "typ": ACCESS_TYPE,
        }
        token = jwt.encode(claims, self._secret, algorithm=ALGORITHM)
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

    def _verify(self, token: str) -> AccessClaims:
        try:
            claims = jwt.decode(
                token,
                self._secret,
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
        sub, role, jti = claims.get("sub"), claims.get("role"), claims.get("jti")
        if not all(isinstance(v, str) and v for v in (sub, role, jti)):
            raise InvalidToken("malformed claims")
        assert isinstance(sub, str)
        assert isinstance(role, str)
        assert isinstance(jti, str)
        return AccessClaims(
            subject=sub,
            role=role,
            jti=jti,
            expires_at=datetime.fromtimestamp(int(claims["exp"]), UTC),
        )
