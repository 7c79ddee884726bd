"""Cursor pagination: ``?limit=`` (default 50, max 500) and an opaque ``?cursor=``."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import Path, Query

from apfa.core.errors import InvalidInput

Limit = Annotated[int, Query(ge=1, le=500)]
Cursor = Annotated[str | None, Query(max_length=200)]
# Ids are 32-bit INTEGER columns: a larger value fails in the database, not as bad input.
MAX_ID = 2**31 - 1
# Every integer id in a path: out of range is a 422 before any query (SQLite raises
# OverflowError beyond 64 bits, PostgreSQL a DataError beyond 32).
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


def encode_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(f"id:{last_id}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> int | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        prefix, value = raw.split(":", 1)
        if prefix != "id":
            raise ValueError(prefix)
        last_id = int(value)
        if not 0 < last_id <= MAX_ID:
            raise ValueError(value)
        return last_id
    except (ValueError, binascii.Error, UnicodeDecodeError) as exc:
        raise InvalidInput("invalid cursor") from exc
