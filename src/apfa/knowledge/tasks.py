"""The knowledge base's jobs: re-embed the corpus, build a version, hot-swap it, keep
the corpus and its versions tidy. Each takes ids and options only and is idempotent.

Names are ``knowledge.<verb>``; the seed names stay as aliases.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apfa.core.db import session_scope
from apfa.core.objectstore import object_store
from apfa.core.redis import REDIS
from apfa.jobs.registry import Schedule
from apfa.jobs.spec import TaskContext, TaskSpec
from apfa.knowledge import corpus_jobs, service
from apfa.knowledge.index.holder import INDEX_HOLDER
from apfa.knowledge.index.preload import PRELOADER
from apfa.knowledge.index.versions import (
    activate_everywhere,
    build_version,
    on_built_everywhere,
    staged_everywhere,
)


def _index_root(ctx: TaskContext) -> Path:
    return Path(ctx.settings.index_dir)


async def reembed_all(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Re-embed the whole corpus with the current model (only what the embedding cache
    lacks, or everything with ``force``), then build and activate a new version."""
    result = await corpus_jobs.reembed_corpus(
        ctx.maker,
        ctx.embedder(),
        batch_size=ctx.settings.embedding_batch_size,
        force=bool(params.get("force", False)),
        progress=lambda done, total: ctx.progress(done, total),
    )
    if params.get("build", True):
        result["build_job_id"] = await ctx.submit(BUILD_INDEX, {"activate": True})
    return result


async def build_index(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Snapshot the indexed corpus into a new version; with ``activate``, hot-swap it."""
    preloader = ctx.resources.find(PRELOADER)
    built = await build_version(
        ctx.maker,
        ctx.embedder(),
        _index_root(ctx),
        task_id=ctx.task_id,
        store=object_store(ctx.settings),
        on_built=on_built_everywhere(ctx.resources.find(REDIS), preloader)
        if ctx.settings.index_preload
        else None,
    )
    result: dict[str, Any] = {
        "version": built.version,
        "vectors": built.vector_count,
        "documents": built.document_count,
        "build_seconds": round(built.seconds, 3),
    }
    if params.get("activate", False):
        result["swap_job_id"] = await ctx.submit(HOT_SWAP, {"version": built.version})
    return result


async def hot_swap(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Activate a finished build once every API process has staged it (at most
    ``index_stage_wait_seconds``), so the switch is a pointer swap everywhere."""
    version = int(params["version"])
    async with session_scope(ctx.maker) as session:
        active = await service.active_version(session)
    if active is not None and active.id == version:
        return {"version": version, "already_active": True}

    async def progress(ready: int, processes: int) -> None:
        await ctx.progress(ready, processes, unit="processes", message="staging")

    redis = ctx.resources.find(REDIS)
    waited = await staged_everywhere(
        version,
        ctx.settings.index_stage_wait_seconds,
        redis=redis,
        preloader=ctx.resources.find(PRELOADER),
        progress=progress,
    )
    await activate_everywhere(
        ctx.maker,
        _index_root(ctx),
        version,
        holder=ctx.resources.find(INDEX_HOLDER),
        redis=redis,
        events=ctx.events,
        store=object_store(ctx.settings),
    )
    if waited is None:
        return {"version": version, "stage_wait": "off", "stage_wait_seconds": 0.0}
    return {"version": version, **waited.as_result()}


async def cleanup(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Daily: drop unused cached vectors and the files of old index versions."""
    embeddings = await corpus_jobs.prune_embeddings(ctx.maker)
    versions = await corpus_jobs.prune_versions(
        ctx.maker,
        _index_root(ctx),
        ctx.settings.index_keep_versions,
        object_store(ctx.settings),
    )
    return {"embeddings_removed": embeddings, "versions_removed": versions}


async def stats(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    async with session_scope(ctx.maker) as session:
        found: dict[str, Any] = dict(await service.corpus_stats(session))
        active = await service.active_version(session)
    found["active_version"] = active.id if active else None
    found["active_vectors"] = active.vector_count if active else 0
    return found


REEMBED_ALL = TaskSpec(
    "knowledge.reembed_all", "embedding", reembed_all, aliases=("embed_all_documents",)
)
BUILD_INDEX = TaskSpec(
    "knowledge.build_index", "indexing", build_index, aliases=("build_faiss_index",)
)
HOT_SWAP = TaskSpec("knowledge.hot_swap", "indexing", hot_swap, aliases=("hot_swap_index",))
CLEANUP = TaskSpec("knowledge.cleanup", "maintenance", cleanup, aliases=("cleanup_old_embeddings",))
STATS = TaskSpec("knowledge.stats", "maintenance", stats, aliases=("compute_index_stats",))

TASKS = (REEMBED_ALL, BUILD_INDEX, HOT_SWAP, CLEANUP, STATS)
SCHEDULES = (Schedule(CLEANUP, daily_at=(2, 0)), Schedule(STATS, every_seconds=300))
