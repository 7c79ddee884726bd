"""The multipart intake on its own: parts stream to disk as they arrive, and a part over
the per-file limit is dropped at the limit: memory stays flat whatever its size."""

from __future__ import annotations

import hashlib
import tracemalloc
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from apfa.core.config import Settings
from apfa.core.errors import UnsupportedMediaType
from apfa.documents.exceptions import MalformedUpload, TooManyFiles
from apfa.documents.receiving import FLUSH_BYTES, IntakeLimits, MultipartReceiver
from apfa.documents.storage import UploadStore
from documents_support import BOUNDARY, closing, part

CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"
MIB = 1024 * 1024
CHUNK = 64 * 1024


def _header(filename: str) -> bytes:
    return part(filename, b"")[: -len(b"\r\n")]


def _part_files(store: UploadStore) -> list[Path]:
    return list(store.incoming_dir.glob("*.part")) if store.incoming_dir.is_dir() else []


async def test_a_part_twice_the_default_limit_is_dropped_with_flat_memory(
    tmp_path: Path,
) -> None:
    limit = Settings(_env_file=None).upload_max_file_bytes  # type: ignore[call-arg]
    store = UploadStore(tmp_path)
    receiver = MultipartReceiver(store, IntakeLimits(limit, 20))
    seen_dropped_mid_stream = False
    tail = b"A small file after the big one.\n"

    async def body() -> AsyncIterator[bytes]:
        nonlocal seen_dropped_mid_stream
        yield _header("huge.txt")
        sent = 0
        while sent < 2 * limit:
            yield b"x" * CHUNK
            sent += CHUNK
            if sent > limit + CHUNK and receiver.files[0].too_large:
                seen_dropped_mid_stream = seen_dropped_mid_stream or not _part_files(store)
        yield b"\r\n" + part("after.txt", tail) + closing()

    tracemalloc.start()
    try:
        await receiver.receive(CONTENT_TYPE, body())
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()

    huge, after = receiver.files
    assert seen_dropped_mid_stream
    assert huge.too_large
    assert huge.size == 2 * limit
    assert huge.incoming is None
    assert huge.sha256 is None
    assert peak < 8 * MIB, f"peak {peak} bytes while receiving a {2 * limit}-byte part"
    assert after.complete
    assert after.sha256 == hashlib.sha256(tail).hexdigest()
    assert after.incoming is not None
    assert after.incoming.path.read_bytes() == tail
    receiver.discard()
    assert _part_files(store) == []


async def test_parts_reach_disk_before_they_end(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    receiver = MultipartReceiver(store, IntakeLimits(4 * MIB, 5))
    on_disk_mid_part = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal on_disk_mid_part
        yield _header("doc.txt")
        for _ in range((2 * FLUSH_BYTES) // CHUNK + 1):
            yield b"y" * CHUNK
        on_disk_mid_part = sum(p.stat().st_size for p in _part_files(store))
        yield b"y" * CHUNK + b"\r\n" + closing()

    await receiver.receive(CONTENT_TYPE, body())
    assert on_disk_mid_part >= FLUSH_BYTES
    [received] = receiver.files
    assert received.incoming is not None
    assert received.incoming.path.stat().st_size == received.size
    assert received.probe.error is None


async def test_reading_stops_at_the_first_file_over_the_count(tmp_path: Path) -> None:
    store = UploadStore(tmp_path)
    receiver = MultipartReceiver(store, IntakeLimits(MIB, 2))
    served = 0

    async def body() -> AsyncIterator[bytes]:
        nonlocal served
        for name in ("a.txt", "b.txt", "c.txt", "d.txt"):
            served += 1
            yield part(name, b"some text\n")
        yield closing()

    with pytest.raises(TooManyFiles):
        await receiver.receive(CONTENT_TYPE, body())
    assert served == 3
    receiver.discard()
    assert _part_files(store) == []


async def _once(data: bytes) -> AsyncIterator[bytes]:
    yield data


@pytest.mark.parametrize(
    ("content_type", "body", "error"),
    [
        ("application/json", b"{}", UnsupportedMediaType),
        ("multipart/form-data", b"", MalformedUpload),
        (CONTENT_TYPE, b"--other-boundary\r\n\r\nx\r\n", MalformedUpload),
        (CONTENT_TYPE, part("cut.txt", b"no closing boundary"), MalformedUpload),
    ],
    ids=["json", "no-boundary", "wrong-boundary", "truncated"],
)
async def test_unreadable_bodies_are_refused(
    tmp_path: Path, content_type: str, body: bytes, error: type[Exception]
) -> None:
    store = UploadStore(tmp_path)
    receiver = MultipartReceiver(store, IntakeLimits(MIB, 5))
    with pytest.raises(error):
        await receiver.receive(content_type, _once(body))
    receiver.discard()
    assert _part_files(store) == []
