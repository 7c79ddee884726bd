"""What a new password must satisfy (NIST SP 800-63B: length and a blocklist, no
composition rules). Raises ``InvalidInput`` with the reason, so the caller can show it."""

from __future__ import annotations

import hashlib
import string
from functools import cache
from importlib.resources import files

from apfa.core.errors import InvalidInput

MIN_LENGTH = 12
MAX_LENGTH = 1024
MIN_DISTINCT = 5
_TRAILING = string.digits + string.punctuation + string.whitespace


def digest(candidate: str) -> str:
    return hashlib.sha256(candidate.encode()).hexdigest()


@cache
def common_passwords() -> frozenset[str]:
    """SHA-256 digests of the lower-cased blocklist shipped with the package, read once."""
    text = files("apfa.auth").joinpath("common_passwords.sha256").read_text(encoding="utf-8")
    return frozenset(line.strip() for line in text.splitlines() if line.strip() and line[0] != "#")


def is_common(password: str) -> bool:
    """True for a listed password, also once trailing digits and punctuation are removed
    ("Password2024!" is "password" with decoration)."""
    lowered = password.lower()
    listed = common_passwords()
    candidates = {lowered, lowered.strip(), lowered.rstrip(_TRAILING)}
    return any(digest(candidate) in listed for candidate in candidates)


def check_password(password: str, *, username: str | None) -> None:
    if len(password) < MIN_LENGTH:
        raise InvalidInput(f"password must be at least {MIN_LENGTH} characters")
    if len(password) > MAX_LENGTH:
        raise InvalidInput(f"password must be at most {MAX_LENGTH} characters")
    if len(set(password)) < MIN_DISTINCT:
        raise InvalidInput(f"password must contain at least {MIN_DISTINCT} different characters")
    if username and username.lower() in password.lower():
        raise InvalidInput("password must not contain the username")
    if is_common(password):
        raise InvalidInput("password is too common; choose one that is not on leaked lists")
