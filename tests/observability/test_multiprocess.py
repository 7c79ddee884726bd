"""Prometheus multiprocess mode: ``apfa serve --workers 2`` makes its own shared directory,
every worker writes there, any worker's /metrics counts the requests of all of them, and
the directory is gone after shutdown."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from apfa.observability import exposition
from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")
REQUESTS = 40
STARTUP_SECONDS = 120


def test_single_worker_leaves_the_environment_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(exposition.MULTIPROC_ENV, raising=False)
    with exposition.multiprocess_metrics(1):
        assert exposition.multiprocess_dir() is None


def test_several_workers_get_a_fresh_directory_removed_after(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(exposition.MULTIPROC_ENV, raising=False)
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    with exposition.multiprocess_metrics(3):
        directory = exposition.multiprocess_dir()
        assert directory is not None
        assert Path(directory).is_dir()
        assert not list(Path(directory).iterdir())
    assert exposition.multiprocess_dir() is None
    assert not Path(directory).exists()


def test_an_operators_directory_is_emptied_and_kept(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    (tmp_path / "counter_123.db").write_bytes(b"stale")
    (tmp_path / "notes.txt").write_text("not ours")
    monkeypatch.setenv(exposition.MULTIPROC_ENV, str(tmp_path))
    with exposition.multiprocess_metrics(2):
        assert exposition.multiprocess_dir() == str(tmp_path)
        assert not (tmp_path / "counter_123.db").exists()
    assert (tmp_path / "notes.txt").exists()


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def two_workers(tmp_path: Path) -> Iterator[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.pop(exposition.MULTIPROC_ENV, None)
    env.update(
        {
            "APFA_VAR_DIR": str(tmp_path / "var"),
            "APFA_JWT_SECRET": "multiprocess-test-" + "s" * 40,
            "APFA_EMBEDDING_DEVICE": "cpu",
            "APFA_LOG_LEVEL": "WARNING",
            "TMPDIR": str(tmp_path),
        }
    )
    subprocess.run([APFA, "migrate"], env=env, check=True, capture_output=True, timeout=120)
    port = _free_port()
    server = subprocess.Popen(
        [APFA, "serve", "--port", str(port), "--workers", "2"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while time.monotonic() < deadline:
            assert server.poll() is None, "apfa serve exited during start-up"
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.5)
        else:
            pytest.fail("apfa serve --workers 2 did not start")
        yield base
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _health_requests(families_text: str) -> float:
    return sum(
        s.value
        for family in text_string_to_metric_families(families_text)
        if family.name == "apfa_requests"
        for s in family.samples
        if s.name == "apfa_requests_total" and s.labels.get("route") == "/health"
    )


async def _spread_requests(base: str, count: int) -> None:
    async def one() -> None:
        # A new connection each time, so the kernel spreads them over the workers.
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await http.get("/health")).status_code == 200

    await asyncio.gather(*(one() for _ in range(count)))


@pytest.mark.slow
def test_every_worker_reports_into_one_exposition(tmp_path: Path) -> None:
    with two_workers(tmp_path) as base:
        (directory,) = tmp_path.glob("apfa-metrics-*")
        # Start-up probes may have been counted; count from here.
        start = _health_requests(httpx.get(f"{base}/metrics").text)
        asyncio.run(_spread_requests(base, REQUESTS))
        for _ in range(6):  # each scrape may be answered by either worker
            response = httpx.get(f"{base}/metrics")
            assert response.headers["content-type"].startswith("text/plain; version=0.0.4")
            assert _health_requests(response.text) == start + REQUESTS
        pids = {path.stem.rsplit("_", 1)[-1] for path in directory.glob("*.db")}
        assert len(pids) >= 2, sorted(p.name for p in directory.iterdir())
        families = {f.name for f in text_string_to_metric_families(response.text)}
        assert {"apfa_db_pool_connections", "apfa_index_version"} <= families
    assert not directory.exists()
