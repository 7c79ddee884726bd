"""The documents' jobs: process uploads (parse, chunk, embed), then hand over to the
knowledge base's build. Each takes ids and options only and is idempotent.

A batch's result counts its documents by status. When a document failed (an error, not a
refusal of its content: those are ``rejected``), the job ends ``failed`` with the counts
and the failed documents in its result, after starting the build of those that were
indexed: the new version is published, and the job says loudly what it lacks.

Names are ``documents.<verb>``; the seed names stay as aliases.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from apfa.documents.batch import process_documents
from apfa.documents.processing import process_document
from apfa.jobs.spec import JobFailed, TaskContext, TaskSpec
from apfa.knowledge.tasks import BUILD_INDEX


async def process_one(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Parse, chunk and embed one uploaded document; ``build`` then publishes a version."""
    outcome = await process_document(ctx.maker, ctx.embedder(), ctx.settings, params["document_id"])
    await ctx.progress(1, 1)
    if params.get("build") and outcome.get("status") == "indexed":
        outcome["build_job_id"] = await ctx.submit(BUILD_INDEX, {"activate": True})
    if outcome.get("status") == "failed":
        raise JobFailed(f"document {params['document_id']} failed: {outcome.get('error')}", outcome)
    return outcome


async def embed_batch(ctx: TaskContext, params: dict[str, Any]) -> dict[str, Any]:
    """Process the documents of one upload, then build and activate a new version."""

    async def progress(done: int, total: int) -> None:
        await ctx.progress(done, total, batch=True)

    outcomes = await process_documents(
        ctx.maker, ctx.embedder(), ctx.settings, list(params["document_ids"]), progress
    )
    statuses = {document_id: str(o.get("status")) for document_id, o in outcomes.items()}
    counts = Counter(statuses.values())
    result: dict[str, Any] = {"documents": statuses, "counts": dict(sorted(counts.items()))}
    if params.get("build", True) and counts["indexed"]:
        result["build_job_id"] = await ctx.submit(BUILD_INDEX, {"activate": True})
    failed = {d: str(o.get("error")) for d, o in outcomes.items() if o.get("status") == "failed"}
    if failed:
        result["failed"] = failed
        first = next(iter(failed.values()))
        raise JobFailed(f"{len(failed)} of {len(statuses)} documents failed: {first}", result)
    return result


PROCESS = TaskSpec("documents.process", "embedding", process_one, aliases=("process_document",))
EMBED_BATCH = TaskSpec(
    "documents.embed_batch", "embedding", embed_batch, aliases=("embed_document_batch",)
)

TASKS = (PROCESS, EMBED_BATCH)
