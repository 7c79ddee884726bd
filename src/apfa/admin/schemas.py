from __future__ import annotations

from typing import Any

from pydantic import BaseModel


class TaskOut(BaseModel):
    task_id: str
    name: str
    queue: str
    state: str
    priority: int
    params: dict[str, Any]
    progress: dict[str, Any]
    result: dict[str, Any] | None
    error: str | None
    retry_count: int
    max_retries: int
    parent_id: str | None
    request_id: str | None
    created_by: str | None
    worker: str | None
    engine: str
    created_at: str
    started_at: str | None
    completed_at: str | None
    runtime_seconds: float | None


class TaskPage(BaseModel):
    items: list[TaskOut]
    next_cursor: str | None


class JobAccepted(BaseModel):
    job_id: str
    state: str


class JobWait(BaseModel):
    job: TaskOut
    children: list[TaskOut]
    finished: bool
    timed_out: bool


class QueueStats(BaseModel):
    queue: str
    priority: int
    depth: int
    running: int
    succeeded: int
    failed: int
    revoked: int
    rate_per_minute: float
    broker_depth: int | None = None


class QueueStatsOut(BaseModel):
    engine: str
    queues: list[QueueStats]


class WorkerOut(BaseModel):
    name: str
    engine: str
    queues: list[str]
    concurrency: int
    busy: int | None = None
    pid: int | None = None
    hostname: str | None = None
    heartbeat_age_seconds: float


class WorkersOut(BaseModel):
    engine: str
    items: list[WorkerOut]


class IndexVersionOut(BaseModel):
    id: int
    status: str
    active: bool
    created_at: str
    activated_at: str | None
    vectors: int
    documents: int
    model: str
    dim: int
    index_type: str
    checksum: str | None
    build_seconds: float | None
    error: str | None


class IndexVersionsOut(BaseModel):
    items: list[IndexVersionOut]
    served_version: int | None
    # Loaded ahead of its activation (APFA_INDEX_PRELOAD), so activating it is instant.
    staged_version: int | None = None


class ActivatedOut(BaseModel):
    version: int
    active: bool
    vectors: int
