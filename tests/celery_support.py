"""A real ``apfa worker`` (Celery) subprocess on a throwaway Redis, sharing a SQLite
database file with an in-process API app configured for APFA_TASK_BACKEND=celery."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

from fastapi import FastAPI

from apfa.core.db import SESSIONMAKER, session_scope
from apfa.models import BackgroundTask
from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")


def worker_env(settings: Any, redis_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update(
        APFA_VAR_DIR=str(settings.var_dir),
        APFA_DATABASE_URL=settings.resolved_database_url,
        APFA_JWT_SECRET=settings.jwt_secret.get_secret_value(),
        APFA_REDIS_URL=redis_url,
        APFA_TASK_BACKEND="celery",
        APFA_EMBEDDING_DEVICE="cpu",
        APFA_LOG_LEVEL="WARNING",
        APFA_TASK_HEARTBEAT_SECONDS="0.5",
        APFA_TASK_STALE_SECONDS="4",
    )
    return env


class Worker:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self._env = env
        self._log = log
        self.process: subprocess.Popen[bytes] | None = None

    def start(
        self,
        queues: str = "embedding,indexing,maintenance",
        *,
        concurrency: int = 2,
        pool: str | None = None,
    ) -> None:
        """``apfa worker`` as an operator runs it: by default the default (prefork) pool
        with several pool processes."""
        handle = self._log.open("ab")
        command = [APFA, "worker", "--queues", queues, "--concurrency", str(concurrency)]
        command += ["--pool", pool] if pool else []
        self.process = subprocess.Popen(
            [*command, "--loglevel", "WARNING"],
            env=self._env,
            stdout=handle,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill(self) -> None:
        """kill -9 the worker and everything it started."""
        assert self.process is not None
        os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
            self.process = None

    def log_tail(self) -> str:
        return self._log.read_text(errors="replace")[-3000:] if self._log.exists() else ""


async def wait_for_state(
    app: FastAPI, task_id: str, states: set[str], seconds: float, worker: Worker | None = None
) -> BackgroundTask:
    deadline = asyncio.get_running_loop().time() + seconds
    while True:
        async with session_scope(SESSIONMAKER.of(app)) as session:
            row = await session.get(BackgroundTask, task_id)
        if row is not None and row.state in states:
            return row
        if asyncio.get_running_loop().time() > deadline:
            detail = worker.log_tail() if worker else ""
            raise AssertionError(f"{task_id} is {row and row.state}, not {states}\n{detail}")
        await asyncio.sleep(0.1)
