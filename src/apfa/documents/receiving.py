"""Streaming multipart/form-data intake: each file part goes to disk as it arrives, its
size checked on every chunk, so a part over the limit is dropped at the limit instead of
being read into memory. Hash, text check and the first bytes are taken on the way."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import anyio.to_thread
from python_multipart.exceptions import MultipartParseError
from python_multipart.multipart import MultipartParser, parse_options_header

from apfa.core.errors import UnsupportedMediaType
from apfa.documents.exceptions import MalformedUpload, TooManyFiles
from apfa.documents.sniffing import HEAD_BYTES, TextProbe
from apfa.documents.storage import IncomingFile, UploadStore

FLUSH_BYTES = 256 * 1024


@dataclass(frozen=True)
class IntakeLimits:
    max_file_bytes: int
    max_files: int


@dataclass(eq=False)
class ReceivedFile:
    raw_filename: str
    field_name: str
    declared_type: str
    size: int = 0
    too_large: bool = False
    complete: bool = False
    finalised: bool = False
    head: bytearray = field(default_factory=bytearray)
    probe: TextProbe = field(default_factory=TextProbe)
    incoming: IncomingFile | None = None
    _hash: hashlib._Hash = field(default_factory=hashlib.sha256)
    _pending: list[bytes] = field(default_factory=list)
    _pending_bytes: int = 0

    @property
    def sha256(self) -> str | None:
        """The content hash, once the whole part was received and kept."""
        return self._hash.hexdigest() if self.complete and not self.too_large else None


def _decode_header(raw: bytes) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


def boundary_of(content_type: str | None) -> bytes:
    kind, options = parse_options_header(content_type or "")
    if kind != b"multipart/form-data":
        raise UnsupportedMediaType("send the files as multipart/form-data")
    boundary = options.get(b"boundary")
    if not boundary:
        raise MalformedUpload("multipart/form-data without a boundary")
    return boundary


class MultipartReceiver:
    def __init__(self, store: UploadStore, limits: IntakeLimits) -> None:
        self.store = store
        self.limits = limits
        self.files: list[ReceivedFile] = []
        self._current: ReceivedFile | None = None
        self._headers: dict[str, bytes] = {}
        self._field = bytearray()
        self._value = bytearray()
        self._ended = False

    async def receive(self, content_type: str | None, body: AsyncIterator[bytes]) -> None:
        parser = MultipartParser(boundary_of(content_type), self._callbacks())  # type: ignore[arg-type]
        async for chunk in body:
            if not chunk:
                continue
            try:
                parser.write(chunk)
            except MultipartParseError as exc:
                raise MalformedUpload(f"malformed multipart body: {exc}") from exc
            await self._settle()
        if not self._ended:
            raise MalformedUpload("the multipart body ended before its closing boundary")

    def discard(self) -> None:
        """Delete every incoming file that was not kept (blocking)."""
        for received in self.files:
            if received.incoming is not None:
                received.incoming.discard()
                received.incoming = None

    # -- parser callbacks (synchronous, on the event loop: no I/O here) -----------------

    def _callbacks(self) -> dict[str, object]:
        return {
            "on_part_begin": self._part_begin,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_end": self._end,
        }

    def _part_begin(self) -> None:
        self._current = None
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._field += data[start:end]

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._value += data[start:end]

    def _header_end(self) -> None:
        self._headers[self._field.decode("latin-1").strip().lower()] = bytes(self._value).strip()
        self._field.clear()
        self._value.clear()

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get("content-disposition", b""))
        if b"filename" not in options:
            return  # an ordinary form field: ignored
        if len(self.files) >= self.limits.max_files:
            raise TooManyFiles(f"at most {self.limits.max_files} files per request")
        received = ReceivedFile(
            raw_filename=_decode_header(options[b"filename"]),
            field_name=_decode_header(options.get(b"name", b"")),
            declared_type=self._headers.get("content-type", b"").decode("latin-1")[:128],
        )
        self.files.append(received)
        self._current = received

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        received = self._current
        if received is None:
            return
        piece = data[start:end]
        received.size += len(piece)
        if received.too_large:
            return
        if received.size > self.limits.max_file_bytes:
            received.too_large = True
            received._pending.clear()
            received._pending_bytes = 0
            return
        if len(received.head) < HEAD_BYTES:
            received.head += piece[: HEAD_BYTES - len(received.head)]
        received._pending.append(bytes(piece))
        received._pending_bytes += len(piece)

    def _part_end(self) -> None:
        if self._current is not None:
            self._current.complete = True
        self._current = None

    def _end(self) -> None:
        self._ended = True

    # -- I/O between parser writes ------------------------------------------------------

    async def _settle(self) -> None:
        for received in self.files:
            if received.too_large:
                if received.incoming is not None:
                    await anyio.to_thread.run_sync(received.incoming.discard)
                    received.incoming = None
            elif not received.finalised and (
                received.complete or received._pending_bytes >= FLUSH_BYTES
            ):
                await anyio.to_thread.run_sync(self._flush, received)

    def _flush(self, received: ReceivedFile) -> None:
        data = b"".join(received._pending)
        received._pending.clear()
        received._pending_bytes = 0
        received._hash.update(data)
        received.probe.feed(data, final=received.complete)
        if data:
            if received.incoming is None:
                received.incoming = self.store.incoming()
            received.incoming.write(data)
        if received.complete:
            if received.incoming is not None:
                received.incoming.close()
            received.finalised = True
