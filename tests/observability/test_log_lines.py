"""JSON log lines: rendered by orjson, info lines flushed by the background thread within
``FLUSH_SECONDS``, warnings and errors flushed as they are written."""

from __future__ import annotations

import io
import json
import os
import sys
import time
from collections.abc import Iterator
from types import SimpleNamespace

import pytest
import structlog

from apfa.core.context import reset_request_id, set_request_id
from apfa.observability import logging as log_config


class Pipe:
    """A real stderr stand-in: a buffered binary writer on a pipe, read without blocking."""

    def __init__(self) -> None:
        read, write = os.pipe()
        os.set_blocking(read, False)
        self.read_fd = read
        self.buffer = open(write, "wb", buffering=8192)  # noqa: SIM115 - closed in close()
        self.received = b""

    def lines(self) -> list[dict[str, object]]:
        try:
            while chunk := os.read(self.read_fd, 65536):
                self.received += chunk
        except BlockingIOError:
            pass
        return [json.loads(line) for line in self.received.splitlines()]

    def close(self) -> None:
        self.buffer.close()
        os.close(self.read_fd)


@pytest.fixture
def pipe(monkeypatch: pytest.MonkeyPatch) -> Iterator[Pipe]:
    pipe = Pipe()
    # configure_logging writes JSON lines to ``sys.stderr.buffer``.
    monkeypatch.setattr(sys, "stderr", SimpleNamespace(buffer=pipe.buffer))
    log_config.configure_logging("INFO", json=True)
    try:
        yield pipe
    finally:
        monkeypatch.undo()
        log_config.configure_logging("WARNING", json=True)
        pipe.close()


def _until(pipe: Pipe, count: int, seconds: float) -> list[dict[str, object]]:
    deadline = time.monotonic() + seconds
    while len(lines := pipe.lines()) < count and time.monotonic() < deadline:
        time.sleep(0.02)
    return lines


def test_info_lines_reach_the_stream_within_the_flush_interval(pipe: Pipe) -> None:
    log = structlog.get_logger("probe")
    token = set_request_id("req-1")
    try:
        for number in range(3):
            log.info("request", number=number, ids={1: "non-string key"})
    finally:
        reset_request_id(token)
    lines = _until(pipe, 3, log_config.FLUSH_SECONDS * 5 + 1)
    assert [line["number"] for line in lines] == [0, 1, 2]
    assert lines[0]["request_id"] == "req-1"
    assert lines[0]["level"] == "info"
    assert lines[0]["ids"] == {"1": "non-string key"}


def test_warnings_and_errors_are_flushed_at_once(pipe: Pipe) -> None:
    log = structlog.get_logger("probe")
    log.info("quiet")
    log.warning("careful", why="disk")
    # Flushing the warning carries the buffered info line before it, in order.
    assert [line["event"] for line in pipe.lines()] == ["quiet", "careful"]
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed")
    [*_, failed] = pipe.lines()
    assert failed["level"] == "error"
    assert "RuntimeError: boom" in str(failed["exception"])


def test_objects_json_cannot_hold_are_written_as_their_repr(pipe: Pipe) -> None:
    class Opaque:
        def __repr__(self) -> str:
            return "<opaque>"

    structlog.get_logger("probe").error("odd", value=Opaque())
    [line] = pipe.lines()
    assert line["value"] == "<opaque>"


def test_a_text_only_stderr_still_gets_json_lines(monkeypatch: pytest.MonkeyPatch) -> None:
    text = io.StringIO()
    monkeypatch.setattr(sys, "stderr", text)
    try:
        log_config.configure_logging("INFO", json=True)
        structlog.get_logger("probe").info("plain", count=2)
    finally:
        monkeypatch.undo()
        log_config.configure_logging("WARNING", json=True)
    [line] = [json.loads(row) for row in text.getvalue().splitlines()]
    assert (line["event"], line["count"]) == ("plain", 2)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_forked_child_does_not_repeat_the_parents_buffered_lines(pipe: Pipe) -> None:
    log = structlog.get_logger("probe")
    log.info("before fork")
    child = os.fork()
    if child == 0:  # pragma: no cover - the child exits at once
        log.warning("child")
        os._exit(0)
    os.waitpid(child, 0)
    time.sleep(log_config.FLUSH_SECONDS * 3)  # the parent's flusher has run since
    assert [line["event"] for line in pipe.lines()] == ["before fork", "child"]
