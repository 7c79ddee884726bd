"""Job bodies. Each takes ids and options only, and is idempotent."""

from __future__ import annotations

from typing import Any

from apfa.advice import service as advice_history
from apfa.core.db import session_scope
from apfa.knowledge import corpus_jobs, service
from apfa.knowledge.indexing import build_version
from apfa.knowledge.publishing import (
    activate_everywhere,
    on_built_everywhere,
    staged_everywhere,
)
from apfa.tasks.context import TaskContext
from apfa.tasks.registry import task


async def process_one(maker: Any, embedder: Any, settings: Any, document_id: str) -> dict[str, Any]:
    from apfa.documents.processing import process_document as process

    return await process(maker, embedder, settings, document_id)


@task("process_document", queue="embedding")
async def process_document(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse, chunk and embed one uploaded document; ``build`` then publishes a version."""
    outcome = await process_one(ctx.maker, ctx.embedder(), ctx.settings, params["document_id"])
    await ctx.progress(1, 1)
    if params.get("build") and outcome.get("status") == "indexed":
        outcome["build_job_id"] = await ctx.submit("build_faiss_index", {"activate": True})
    return outcome


@task("embed_document_batch", queue="embedding")
async def embed_document_batch(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Process the documents of one upload, then build and activate a new version."""
    from apfa.documents.batch import process_documents

    async def progress(done: int, total: int) -> None:
        await ctx.progress(done, total, batch=True)

    outcomes = await process_documents(
        ctx.maker, ctx.embedder(), ctx.settings, list(params["document_ids"]), progress
    )
    statuses = {document_id: str(o.get("status")) for document_id, o in outcomes.items()}
    result: dict[str, Any] = {"documents": statuses}
    if params.get("build", True) and "indexed" in statuses.values():
        result["build_job_id"] = await ctx.submit("build_faiss_index", {"activate": True})
    return result


@task("embed_all_documents", queue="embedding")
async def embed_all_documents(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
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
        result["build_job_id"] = await ctx.submit("build_faiss_index", {"activate": True})
    return result


@task("build_faiss_index", queue="indexing")
async def build_faiss_index(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    settings = ctx.settings
    built = await build_version(
        ctx.maker,
        ctx.embedder(),
        ctx.index_root,
        task_id=ctx.task_id,
        on_built=on_built_everywhere(settings.redis_url, ctx.preloader)
        if settings.index_preload
        else None,
    )
    result: dict[str, Any] = {
        "version": built.version,
        "vectors": built.vector_count,
        "documents": built.document_count,
        "build_seconds": round(built.seconds, 3),
    }
    if params.get("activate", False):
        result["swap_job_id"] = await ctx.submit("hot_swap_index", {"version": built.version})
    return result


@task("hot_swap_index", queue="indexing")
async def hot_swap_index(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Activate a finished build once every API process has staged it (at most
    ``index_stage_wait_seconds``), so the switch is a pointer swap everywhere."""
    version = int(params["version"])
    async with session_scope(ctx.maker) as session:
        active = await service.active_version(session)
    if active is not None and active.id == version:
        return {"version": version, "already_active": True}

    async def progress(ready: int, processes: int) -> None:
        await ctx.progress(ready, processes, unit="processes", message="staging")

    waited = await staged_everywhere(
        version,
        ctx.settings.index_stage_wait_seconds,
        redis_url=ctx.settings.redis_url,
        preloader=ctx.preloader,
        progress=progress,
    )
    await activate(ctx, version)
    if waited is None:
        return {"version": version, "stage_wait": "off", "stage_wait_seconds": 0.0}
    return {"version": version, **waited.as_result()}


async def activate(ctx: TaskContext, version: int) -> None:
    await activate_everywhere(
        ctx.maker,
        ctx.index_root,
        version,
        holder=ctx.holder,
        redis_url=ctx.settings.redis_url,
        events=ctx.runtime.events,
    )


@task("cleanup_old_embeddings", queue="maintenance")
async def cleanup_old_embeddings(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Daily: drop unused cached vectors, the files of old index versions, and stored
    advice answers that no history row refers to any more."""
    embeddings = await corpus_jobs.prune_embeddings(ctx.maker)
    versions = await corpus_jobs.prune_versions(
        ctx.maker, ctx.index_root, ctx.settings.index_keep_versions
    )
    async with session_scope(ctx.maker) as session:
        answers = await advice_history.prune_answers(session)
    return {
        "embeddings_removed": embeddings,
        "versions_removed": versions,
        "advice_answers_removed": answers,
    }


@task("compute_index_stats", queue="maintenance")
async def compute_index_stats(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    async with session_scope(ctx.maker) as session:
        stats: dict[str, Any] = dict(await service.corpus_stats(session))
        active = await service.active_version(session)
    stats["active_version"] = active.id if active else None
    stats["active_vectors"] = active.vector_count if active else 0
    return stats
