"""The documents' jobs: process uploads (parse, chunk, embed), then hand over to the
knowledge base's build. Each takes ids and options only and is idempotent.

Names are ``documents.<verb>``; the seed names stay as aliases.
"""

from __future__ import annotations

from typing import Any

from apfa.documents.batch import process_documents
from apfa.documents.processing import process_document
from apfa.jobs.spec import TaskContext, TaskSpec
from apfa.knowledge.tasks import BUILD_INDEX


async def process_one(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse, chunk and embed one uploaded document; ``build`` then publishes a version."""
    outcome = await process_document(ctx.maker, ctx.embedder(), ctx.settings, params["document_id"])
    await ctx.progress(1, 1)
    if params.get("build") and outcome.get("status") == "indexed":
        outcome["build_job_id"] = await ctx.submit(BUILD_INDEX, {"activate": True})
    return outcome


async def embed_batch(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Process the documents of one upload, then build and activate a new version."""

    async def progress(done: int, total: int) -> None:
        await ctx.progress(done, total, batch=True)

    outcomes = await process_documents(
        ctx.maker, ctx.embedder(), ctx.settings, list(params["document_ids"]), progress
    )
    statuses = {document_id: str(o.get("status")) for document_id, o in outcomes.items()}
    result: dict[str, Any] = {"documents": statuses}
    if params.get("build", True) and "indexed" in statuses.values():
        result["build_job_id"] = await ctx.submit(BUILD_INDEX, {"activate": True})
    return result


PROCESS = TaskSpec("documents.process", "embedding", process_one, aliases=("process_document",))
EMBED_BATCH = TaskSpec(
    "documents.embed_batch", "embedding", embed_batch, aliases=("embed_document_batch",)
)

TASKS = (PROCESS, EMBED_BATCH)
