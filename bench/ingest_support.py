"""Helpers for bench/ingest.py: a synthetic corpus, uploads through the upload pipeline
(the records an HTTP upload makes, without HTTP), job polling and machine facts."""

from __future__ import annotations

import asyncio
import os
import platform
import random
import statistics
import time
from collections.abc import AsyncIterator, Iterable
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from apfa.audit.service import Actor
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.documents.extraction import extract
from apfa.documents.flows import Uploader
from apfa.documents.limits import ExtractionLimits
from apfa.documents.processing import ingest_options
from apfa.documents.sniffing import MARKDOWN
from apfa.knowledge.flows import chunk_parsed
from apfa.models import BackgroundTask
from apfa.models.task import FINAL_STATES
from apfa.providers.embeddings import Embedder

BOUNDARY = "apfa-bench-ingest-boundary"
TOPICS = (
    ("Mortgage", "mortgage", "a fixed-rate mortgage"),
    ("Auto loan", "auto loan", "a used-car loan"),
    ("Student loan", "student loan", "a federal student loan"),
    ("Credit card", "credit card balance", "a balance transfer card"),
    ("Emergency fund", "emergency fund", "a high-yield savings account"),
    ("Retirement", "retirement account", "a Roth IRA"),
    ("Budget", "monthly budget", "the 50/30/20 rule"),
    ("Personal loan", "personal loan", "a debt consolidation loan"),
)
PEOPLE = ("Avery", "Blake", "Casey", "Devon", "Emery", "Finley", "Harper", "Jordan", "Kai")
CITIES = ("Austin", "Boise", "Columbus", "Denver", "Eugene", "Fresno", "Hartford", "Tulsa")


def document(number: int, rng: random.Random) -> bytes:
    """A short, distinct markdown note of three to five sentences."""
    title, thing, product = rng.choice(TOPICS)
    person, city = rng.choice(PEOPLE), rng.choice(CITIES)
    amount = rng.randrange(2_000, 600_000, 500)
    rate = rng.randrange(150, 2_400) / 100
    years = rng.choice((3, 5, 7, 10, 15, 20, 30))
    income = rng.randrange(28_000, 240_000, 1_000)
    sentences = [
        f"{person} in {city} is weighing {product} of ${amount:,} at {rate:.2f}% over "
        f"{years} years.",
        f"With an income of ${income:,}, the {thing} would take about "
        f"{100 * amount / years / income:.1f}% of gross pay each year before interest.",
        f"Case {number} compares paying it down early with investing the difference.",
        f"Lenders in {city} look at the debt-to-income ratio, which should stay under "
        f"{rng.choice((36, 40, 43, 45))}% for this kind of credit.",
        f"A {rng.choice(('smaller', 'larger', 'shorter', 'longer'))} term changes the total "
        f"interest by roughly ${rng.randrange(200, 40_000, 50):,}.",
    ]
    body = " ".join(sentences[: rng.randint(3, 5)])
    return f"# {title} note {number}\n\n{body}\n".encode()


def corpus(count: int, seed: int) -> list[tuple[str, bytes]]:
    rng = random.Random(seed)
    return [(f"note-{n:06d}.md", document(n, rng)) for n in range(count)]


def _multipart(files: list[tuple[str, bytes]]) -> bytes:
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="files"; '
        f'filename="{name}"\r\nContent-Type: text/markdown\r\n\r\n'.encode()
        + data
        + b"\r\n"
        for name, data in files
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


async def _pieces(body: bytes, size: int = 64 * 1024) -> AsyncIterator[bytes]:
    for start in range(0, len(body), size):
        yield body[start : start + size]


async def upload(
    settings: Settings, maker: async_sessionmaker[AsyncSession], files: list[tuple[str, bytes]]
) -> list[list[str]]:
    """Store the files as uploads of ``upload_max_files`` each, through ``Uploader`` with no
    task system, so every document waits ``pending``; returns the ids of each upload."""
    uploader = Uploader(settings, maker, None, Actor(user_id=None, username="bench"))
    per_request = settings.upload_max_files
    uploads: list[list[str]] = []
    for start in range(0, len(files), per_request):
        body = _multipart(files[start : start + per_request])
        outcome = await uploader.upload(f"multipart/form-data; boundary={BOUNDARY}", _pieces(body))
        refused = [r for r in outcome.results if r.status != "pending"]
        if refused:
            raise RuntimeError(f"upload refused {len(refused)} files: {refused[0]}")
        uploads.append([r.document_id for r in outcome.results if r.document_id])
    return uploads


async def wait_for_jobs(
    maker: async_sessionmaker[AsyncSession], ids: Iterable[str], poll: float = 0.25
) -> dict[str, BackgroundTask]:
    """Poll the task table until every job has ended; returns the rows."""
    wanted = list(ids)
    while True:
        async with session_scope(maker) as session:
            result = await session.execute(
                select(BackgroundTask).where(BackgroundTask.id.in_(wanted))
            )
            rows = {row.id: row for row in result.scalars()}
        if len(rows) == len(wanted) and all(r.state in FINAL_STATES for r in rows.values()):
            return rows
        await asyncio.sleep(poll)


async def children(maker: async_sessionmaker[AsyncSession], parent: str) -> list[BackgroundTask]:
    async with session_scope(maker) as session:
        result = await session.execute(
            select(BackgroundTask).where(BackgroundTask.parent_id == parent)
        )
        return list(result.scalars())


def timings_ms(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)
    return {
        "n": len(ordered),
        "p50_ms": round(statistics.median(ordered) * 1000, 3),
        "max_ms": round(ordered[-1] * 1000, 3),
        "min_ms": round(ordered[0] * 1000, 3),
    }


def machine(device: str) -> dict[str, Any]:
    import faiss
    import torch

    return {
        "cpu_count": os.cpu_count(),
        "cpus_usable": len(os.sched_getaffinity(0)),
        "cpu_model": _cpu_model(),
        "memory_gib": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "torch_threads": torch.get_num_threads(),
        "faiss_threads": faiss.omp_get_max_threads(),
        "device": device,
        "cuda_device": torch.cuda.get_device_name(0) if device == "cuda" else None,
        "python": platform.python_version(),
        "torch": torch.__version__,
        "faiss": faiss.__version__,
        "platform": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
    }


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            kids = (task / "children").read_text().split()
        except OSError:
            continue
        for kid in map(int, kids):
            found += [kid, *_children(kid)]
    return found


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def cpu_time() -> float:
    """CPU time of this process (all threads) and of the processes it started that are
    still running (the embedding process), from /proc; this process's own where there is
    no /proc."""
    if not Path("/proc/self/stat").exists():
        return time.process_time()
    return time.process_time() + sum(_process_cpu(kid) for kid in _children(os.getpid()))


class Clock:
    """Wall time and CPU time (this process's threads and its running children) since it
    started, and the machine's load, which says how much other work shared the cores
    meanwhile."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.cpu_started = cpu_time()
        self.load_started = os.getloadavg()[0]

    def seconds(self) -> float:
        return time.perf_counter() - self.started

    def report(self) -> dict[str, float]:
        return {
            "seconds": round(self.seconds(), 2),
            "cpu_seconds": round(cpu_time() - self.cpu_started, 2),
            "load_1m_start": round(self.load_started, 2),
            "load_1m_end": round(os.getloadavg()[0], 2),
        }


def expected_texts(
    files: list[tuple[str, bytes]], embedder: Embedder, settings: Settings
) -> list[str]:
    """The texts the pipeline will embed: each file extracted and chunked as it will be."""
    limits, options = ExtractionLimits.from_settings(settings), ingest_options(settings)
    texts: list[str] = []
    for name, data in files:
        parsed = extract(data, MARKDOWN, name, limits)
        texts += [chunk.embedding_text for chunk in chunk_parsed(parsed, embedder, options)]
    return texts
