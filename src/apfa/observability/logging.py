"""structlog configuration: JSON lines carrying the request id of the request they belong
to (``core.context``), plus anything bound with ``structlog.contextvars``.

JSON lines are rendered by orjson and written as bytes. Lines at info and below (the access
line of every request) go through the stream's buffer, flushed by a background thread at
most ``FLUSH_SECONDS`` later or when the buffer fills; a warning or an error flushes at
once. A flush per line is a system call that releases the interpreter lock, and on a busy
server getting it back cost more than rendering the line. A graceful exit flushes what is
buffered; a killed process loses at most the last ``FLUSH_SECONDS`` of info lines.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, MutableMapping
from typing import Any, BinaryIO

import orjson
import structlog

from apfa.core.context import current_request_id


def add_request_id(
    _logger: Any, _method: str, event_dict: MutableMapping[str, Any]
) -> MutableMapping[str, Any]:
    """The request id set by the request-context middleware (or a job), read when a line is
    written rather than bound into structlog's context on every request."""
    if "request_id" not in event_dict:
        request_id = current_request_id()
        if request_id is not None:
            event_dict["request_id"] = request_id
    return event_dict


FLUSH_SECONDS = 0.2

_dirty: set[BinaryIO] = set()
_flusher: threading.Thread | None = None


def _flush_dirty() -> None:
    for stream in list(_dirty):
        _dirty.discard(stream)
        with contextlib.suppress(OSError, ValueError):  # closed or broken stream
            stream.flush()


def _flush_loop(interval: float) -> None:
    while True:
        time.sleep(interval)
        _flush_dirty()


def _mark_dirty(stream: BinaryIO) -> None:
    global _flusher
    _dirty.add(stream)
    if _flusher is None:
        _flusher = threading.Thread(
            target=_flush_loop, args=(FLUSH_SECONDS,), name="log-flush", daemon=True
        )
        _flusher.start()


def _after_fork() -> None:
    global _flusher
    _flusher = None
    _dirty.clear()


# Flushed before a fork, so a child (a Celery pool process) never writes the parent's lines
# again from its copy of the buffer.
os.register_at_fork(before=_flush_dirty, after_in_child=_after_fork)


class LineLogger:
    """structlog's wrapped logger for rendered JSON lines (bytes) on a binary stream."""

    __slots__ = ("_stream",)

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream

    def _buffered(self, line: bytes) -> None:
        self._stream.write(line + b"\n")
        _mark_dirty(self._stream)

    def _flushed(self, line: bytes) -> None:
        self._stream.write(line + b"\n")
        self._stream.flush()

    debug = info = msg = _buffered
    warning = warn = error = err = critical = fatal = exception = failure = _flushed


class LineLoggerFactory:
    def __init__(self, stream: BinaryIO) -> None:
        self._logger = LineLogger(stream)

    def __call__(self, *args: Any) -> LineLogger:
        return self._logger


def _json_text(event: Any, **options: Any) -> str:
    return orjson.dumps(event, option=orjson.OPT_NON_STR_KEYS, **options).decode()


def configure_logging(level: str = "INFO", *, json: bool = True) -> None:
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        numeric = logging.INFO
    renderer: structlog.typing.Processor
    factory: Callable[..., Any] = structlog.PrintLoggerFactory(file=sys.stderr)
    binary = getattr(sys.stderr, "buffer", None)
    if not json:
        renderer = structlog.dev.ConsoleRenderer()
    elif binary is None:  # a text-only stream in place of stderr
        renderer = structlog.processors.JSONRenderer(serializer=_json_text)
    else:
        renderer = structlog.processors.JSONRenderer(
            serializer=orjson.dumps, option=orjson.OPT_NON_STR_KEYS
        )
        factory = LineLoggerFactory(binary)
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            add_request_id,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            structlog.processors.StackInfoRenderer(),
            structlog.processors.format_exc_info,
            renderer,
        ],
        wrapper_class=structlog.make_filtering_bound_logger(numeric),
        logger_factory=factory,
        cache_logger_on_first_use=False,
    )
