"""``apfa serve`` limits what a client may send before the app sees a request: header size and
count, and how slowly the head and the body may arrive. Raw sockets against a real server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")
STARTUP_SECONDS = 120
MAX_HEADER_BYTES = 8192
MAX_HEADERS = 50
HEAD_TIMEOUT = 1.0
BODY_TIMEOUT = 1.0

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, int]]:
    tmp_path = tmp_path_factory.mktemp("serve")
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update(
        {
            "APFA_VAR_DIR": str(tmp_path / "var"),
            "APFA_JWT_SECRET": "http-limits-test-" + "s" * 40,
            "APFA_EMBEDDING_DEVICE": "cpu",
            "APFA_LOG_LEVEL": "WARNING",
            "APFA_HTTP_MAX_HEADER_BYTES": str(MAX_HEADER_BYTES),
            "APFA_HTTP_MAX_HEADERS": str(MAX_HEADERS),
            "APFA_HTTP_HEADER_TIMEOUT_SECONDS": str(HEAD_TIMEOUT),
            "APFA_HTTP_BODY_TIMEOUT_SECONDS": str(BODY_TIMEOUT),
        }
    )
    subprocess.run([APFA, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    process = subprocess.Popen(
        [APFA, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert process.poll() is None, "apfa serve exited during start-up"
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.3)
        else:
            pytest.fail("apfa serve did not start")
        yield "127.0.0.1", port
    finally:
        process.send_signal(signal.SIGINT)
        try:
            process.wait(timeout=60)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _read_until_closed(sock: socket.socket, within: float) -> bytes:
    """What the server sent before closing; fails if it is still open after ``within``."""
    sock.settimeout(within)
    received = b""
    try:
        while chunk := sock.recv(65536):
            received += chunk
    except TimeoutError:
        pytest.fail(f"the connection was still open after {within}s; got {received[:80]!r}")
    except ConnectionResetError:
        pass
    return received


def _request(headers: str = "", body: bytes = b"", method: str = "GET") -> bytes:
    return f"{method} /health HTTP/1.1\r\nHost: localhost\r\n{headers}\r\n".encode("latin-1") + body


def test_headers_within_the_limits_are_served(server: tuple[str, int]) -> None:
    extra = "".join(f"X-Ok-{i}: {'v' * 50}\r\n" for i in range(MAX_HEADERS - 5))
    with socket.create_connection(server) as sock:
        sock.sendall(_request(extra + "Connection: close\r\n"))
        assert _read_until_closed(sock, 5).startswith(b"HTTP/1.1 200")


@pytest.mark.parametrize(
    "headers",
    [
        pytest.param(f"X-Big: {'a' * MAX_HEADER_BYTES}\r\n", id="one-large-header"),
        pytest.param("".join(f"X-H-{i}: v\r\n" for i in range(MAX_HEADERS + 1)), id="many"),
        pytest.param(f"Cookie: {'b' * 8 * 1024 * 1024}\r\n", id="8MiB"),
    ],
)
def test_an_oversized_head_gets_431_and_the_connection_closed(
    server: tuple[str, int], headers: str
) -> None:
    with socket.create_connection(server) as sock:
        # The server may close while the rest of an 8 MiB header is still being written.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            sock.sendall(_request(headers))
        assert _read_until_closed(sock, 5).startswith(b"HTTP/1.1 431")


def _dribble(sock: socket.socket, data: bytes, interval: float, give_up: float) -> float:
    """Send ``data`` a byte at a time; the seconds until the server closed the connection."""
    started = time.monotonic()
    for byte in data:
        try:
            sock.sendall(bytes([byte]))
        except (BrokenPipeError, ConnectionResetError):
            return time.monotonic() - started
        sock.settimeout(interval)
        try:
            if sock.recv(65536) == b"":  # a response, if any, is read and dropped
                return time.monotonic() - started
        except TimeoutError:
            pass
        except ConnectionResetError:
            return time.monotonic() - started
        if time.monotonic() - started > give_up:
            break
    pytest.fail(f"the connection was still open after {give_up}s of dribbling")


def test_a_slow_head_is_cut_off(server: tuple[str, int]) -> None:
    slow_head = b"GET /health HTTP/1.1\r\nHost: localhost\r\n" + b"X-Slow: " + b"a" * 200
    with socket.create_connection(server) as sock:
        elapsed = _dribble(sock, slow_head, interval=0.1, give_up=HEAD_TIMEOUT + 5)
    assert elapsed >= HEAD_TIMEOUT * 0.5


def test_a_silent_connection_is_closed(server: tuple[str, int]) -> None:
    with socket.create_connection(server) as sock:
        assert _read_until_closed(sock, HEAD_TIMEOUT + 5) == b""


def test_a_slow_body_is_cut_off(server: tuple[str, int]) -> None:
    head = _request("Content-Type: application/json\r\nContent-Length: 1000\r\n", method="POST")
    with socket.create_connection(server) as sock:
        sock.sendall(head)
        elapsed = _dribble(sock, b"x" * 1000, interval=0.1, give_up=2 * BODY_TIMEOUT + 5)
    assert elapsed >= BODY_TIMEOUT * 0.5


def test_a_body_at_a_normal_pace_is_read(server: tuple[str, int]) -> None:
    body = b'{"username": "' + b"u" * 4000 + b'", "password": "wrong"}'
    head = (
        "POST /token HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
        f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection(server) as sock:
        sock.sendall(head)
        for start in range(0, len(body), 1000):  # 1,000 bytes each 0.4 s: above the minimum
            sock.sendall(body[start : start + 1000])
            time.sleep(0.4)
        answer = _read_until_closed(sock, 5)
    assert answer.startswith(b"HTTP/1.1 4")
    assert not answer.startswith(b"HTTP/1.1 408")
