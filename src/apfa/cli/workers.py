"""``apfa worker`` and ``apfa beat``: the Celery side of APFA_TASK_BACKEND=celery."""

from __future__ import annotations

from typing import Annotated

import typer

from apfa.app.jobs import catalogue
from apfa.cli.runtime import check_storage, err_console, settings
from apfa.core.config import Settings
from apfa.jobs.spec import QUEUES
from apfa.jobs.worker import run_beat, run_worker

ALL_QUEUES = ",".join(QUEUES)


def _checked_settings() -> Settings:
    loaded = settings()
    if not loaded.redis_url:
        err_console.print("[red]error:[/red] set APFA_REDIS_URL: Celery uses Redis as its broker")
        raise typer.Exit(code=2)
    return loaded


def worker(
    queues: Annotated[
        str, typer.Option(help="Comma-separated queues, highest priority first")
    ] = ALL_QUEUES,
    concurrency: Annotated[int, typer.Option(min=1, help="Processes (or threads)")] = 1,
    pool: Annotated[str, typer.Option(help="Celery pool: prefork, threads or solo")] = "prefork",
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Run a Celery worker for background jobs (embedding, indexing, maintenance)."""

    loaded = _checked_settings()
    check_storage(loaded)
    names = [q.strip() for q in queues.split(",") if q.strip()]
    unknown = [q for q in names if q not in QUEUES]
    if unknown or not names:
        err_console.print(f"[red]error:[/red] unknown queues {unknown}; known: {ALL_QUEUES}")
        raise typer.Exit(code=2)
    if pool not in ("prefork", "threads", "solo"):
        err_console.print("[red]error:[/red] --pool must be prefork, threads or solo")
        raise typer.Exit(code=2)
    run_worker(
        loaded,
        catalogue(loaded),
        queues=names,
        concurrency=concurrency,
        pool=pool,
        loglevel=loglevel,
    )


def beat(
    loglevel: Annotated[str, typer.Option(help="Celery log level")] = "INFO",
) -> None:
    """Run Celery beat: the periodic jobs (knowledge.cleanup and advice.prune_answers daily,
    knowledge.stats every 5 minutes, market.fetch daily at APFA_MARKET_FETCH_DAILY_AT). Run
    exactly one."""
    loaded = _checked_settings()
    run_beat(loaded, catalogue(loaded), loglevel)
