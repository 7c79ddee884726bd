from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from apfa.audit import service as audit
from apfa.cli.runtime import check_storage, cli_actor, console, database, run, settings
from apfa.core.config import Settings
from apfa.core.db import session_scope
from apfa.core.objectstore import object_store
from apfa.knowledge import service
from apfa.knowledge.flows import BUNDLED_CORPUS, IngestOptions, IngestReport, ingest_and_publish
from apfa.knowledge.freshness import policy_of, today
from apfa.providers import embedding_backends

app = typer.Typer(
    help="Knowledge base: ingest documents and inspect the corpus.", no_args_is_help=True
)


async def ingest(loaded: Settings, paths: list[Path], *, quiet: bool = False) -> IngestReport:
    embedder = embedding_backends.load(embedding_backends.configured(loaded))
    options = IngestOptions(
        max_tokens=loaded.chunk_max_tokens,
        overlap_tokens=loaded.chunk_overlap_tokens,
        batch_size=loaded.embedding_batch_size,
    )
    with Progress(
        TextColumn("[bold]ingesting[/bold] {task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=quiet,
        transient=False,
    ) as progress:
        task = progress.add_task("", total=None)

        def advance(name: str, done: int, total: int) -> None:
            progress.update(task, description=name[:40], completed=done, total=total)

        async with database(loaded) as maker:
            report = await ingest_and_publish(
                maker,
                embedder,
                loaded.index_dir,
                paths,
                options=options,
                progress=advance,
                store=object_store(loaded),
            )
            await audit.record_now(
                maker,
                cli_actor(),
                "kb_ingest",
                target_type="index_version",
                target_id=report.index_version,
                details={
                    "files": report.files,
                    "added": report.added,
                    "updated": report.updated,
                    "failed": len(report.failed),
                },
            )
            return report


def print_report(report: IngestReport) -> None:
    console.print(
        f"{report.files} files: {report.added} added, {report.updated} updated, "
        f"{report.unchanged} unchanged, {len(report.duplicates)} duplicates, "
        f"{len(report.failed)} failed; {report.chunks} chunks, "
        f"{report.embedded} embedded, {report.reused} reused from cache; "
        f"serving index version {report.index_version}",
        soft_wrap=True,
    )
    for path, error in report.failed:
        console.print(f"[red]failed[/red] {path}: {error}")


@app.command("ingest")
def ingest_command(
    paths: Annotated[list[Path] | None, typer.Argument(help="Files or directories")] = None,
    bundled: Annotated[bool, typer.Option(help="Ingest the bundled knowledge base")] = False,
) -> None:
    """Parse, chunk, embed and index documents, then activate a new index version."""
    targets = list(paths or []) + ([BUNDLED_CORPUS] if bundled else [])
    if not targets:
        raise typer.BadParameter("give at least one path, or --bundled")
    missing = [p for p in targets if not p.exists()]
    if missing:
        raise typer.BadParameter(f"no such file or directory: {', '.join(map(str, missing))}")
    loaded = settings()
    check_storage(loaded)
    report = run(lambda: ingest(loaded, targets))
    print_report(report)
    if report.failed:
        raise typer.Exit(code=1)


@app.command("stats")
def stats() -> None:
    """Documents, chunks, cached embeddings and the active index version."""
    loaded = settings()

    async def _stats() -> tuple[dict[str, int], int | None]:
        async with database(loaded) as maker, session_scope(maker) as session:
            counts = await service.corpus_stats(session)
            active = await service.active_version(session)
            return counts, active.id if active else None

    counts, active = run(_stats)
    table = Table("measure", "value")
    for name, value in counts.items():
        table.add_row(name.replace("_", " "), f"{value:,}")
    table.add_row("active index version", str(active) if active else "none")
    console.print(table)


@app.command("review")
def review(
    all_documents: Annotated[
        bool, typer.Option("--all", help="List every indexed document, not only the overdue.")
    ] = False,
) -> None:
    """Documents past their review date (front matter review_by, else updated plus a year for
    time-sensitive documents and three for evergreen ones), the most overdue first."""
    loaded = settings()
    on = today()

    async def _rows() -> list[service.ReviewRow]:
        async with database(loaded) as maker, session_scope(maker) as session:
            return await service.review_rows(session, policy_of(loaded), on)

    rows = run(_rows)
    listed = [r for r in rows if all_documents or r.review.overdue]
    table = Table("title", "kind", "updated", "review by", "days overdue")
    for row in listed:
        r = row.review
        table.add_row(
            row.title,
            r.kind,
            str(r.updated or "-"),
            str(r.review_by or "-"),
            str(r.days_overdue) if r.overdue else "",
        )
    overdue = sum(r.review.overdue for r in rows)
    console.print(table)
    console.print(f"{overdue} of {len(rows)} indexed documents are past their review date on {on}.")
