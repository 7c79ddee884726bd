"""Gzip for bodies that are a long, repeated prefix plus a short per-response tail.

A cached advice answer is the same few kilobytes of JSON for everyone who asks, followed
by a hundred bytes of request id, user and timing. Compressing the whole body for every
response costs more than everything else the request does; here the prefix is deflated
once (and kept, least recently used first out) and each response only appends its tail as
a stored block. The result is an ordinary single-member gzip stream (RFC 1952): header,
the prefix's deflate blocks ending on a byte boundary (``Z_SYNC_FLUSH``), the tail as a
final stored block, then the CRC-32 and length of the whole. The GZip middleware leaves a
response that already has a ``Content-Encoding`` alone.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Sequence

from cachetools import LRUCache
from starlette.types import Scope

GZIP_HEADER = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\xff"  # deflate, no name, no mtime
MAX_STORED = 0xFFFF
ENCODED_HEADERS = {"Content-Encoding": "gzip", "Vary": "Accept-Encoding"}
# What the GZip middleware sets on a response it could have encoded but was not asked to.
VARY_HEADERS = {"Vary": "Accept-Encoding"}


def accepts_gzip(scope: Scope) -> bool:
    """The test Starlette's GZipMiddleware applies to ``Accept-Encoding``."""
    headers: Sequence[tuple[bytes, bytes]] = scope.get("headers", ())
    for name, value in headers:
        if name == b"accept-encoding":
            return b"gzip" in value
    return False


def _stored_final_block(data: bytes) -> bytes:
    length = len(data)
    return b"\x01" + struct.pack("<HH", length, length ^ 0xFFFF) + data


class PrefixGzip:
    def __init__(self, level: int, *, maxsize: int = 1024) -> None:
        self._level = level
        self._prefixes: LRUCache[bytes, tuple[bytes, int]] = LRUCache(maxsize=maxsize)

    def _deflated(self, prefix: bytes) -> tuple[bytes, int]:
        found = self._prefixes.get(prefix)
        if found is None:
            deflate = zlib.compressobj(self._level, zlib.DEFLATED, -zlib.MAX_WBITS)
            blocks = deflate.compress(prefix) + deflate.flush(zlib.Z_SYNC_FLUSH)
            found = self._prefixes[prefix] = (blocks, zlib.crc32(prefix))
        return found

    def compress(self, prefix: bytes, tail: bytes) -> bytes:
        """gzip of ``prefix + tail``; ``tail`` is at most 65,535 bytes."""
        if len(tail) > MAX_STORED:
            raise ValueError("the tail must fit in one stored block")
        blocks, crc = self._deflated(prefix)
        size = (len(prefix) + len(tail)) & 0xFFFFFFFF
        trailer = struct.pack("<II", zlib.crc32(tail, crc), size)
        return b"".join((GZIP_HEADER, blocks, _stored_final_block(tail), trailer))
