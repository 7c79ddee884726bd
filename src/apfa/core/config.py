"""Runtime configuration, read from ``APFA_*`` environment variables and ``.env``.

Nothing here touches the disk or the network at import time: ``Settings()`` only reads
the environment, and ``create_app`` decides what to open.
"""

from __future__ import annotations

import ipaddress
import json
from pathlib import Path
from typing import Annotated, Any, Literal

from limits import parse as parse_rate
from pydantic import Field, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from apfa.core.resources import Resource

TaskBackend = Literal["local", "celery"]
EmbeddingDevice = Literal["cpu", "cuda", "auto"]
EmbeddingBackend = Literal["auto", "torch", "onnx", "onnx-int8"]
StorageBackend = Literal["local", "s3"]
# The seed role names (API contract); a test keeps them equal to ``auth.permissions.Role``.
RoleName = Literal["user", "financial_advisor", "admin", "super_admin"]
MIB = 1024 * 1024


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="APFA_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    environment: Literal["development", "production", "test"] = "development"
    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    var_dir: Path = Path("var")

    database_url: str | None = None
    database_echo: bool = False
    redis_url: str | None = None
    task_backend: TaskBackend = "local"

    # Each secret may instead be read from the file named by its `*_file` setting (a
    # mounted Docker or Kubernetes secret); core/secrets.py reads it at start-up.
    jwt_secret: SecretStr | None = None
    jwt_secret_file: Path | None = None
    # Key rotation: several signing keys by id; tokens are signed with the active one and
    # verified with whichever their `kid` names. E.g. {"2026-11": "...", "2026-05": "..."}.
    jwt_keys: dict[str, SecretStr] = Field(default_factory=dict)
    jwt_keys_file: Path | None = None
    jwt_active_kid: str | None = None
    jwt_issuer: str = "apfa"
    jwt_audience: str = "apfa-api"
    access_token_minutes: int = Field(default=15, ge=1, le=1440)
    refresh_token_days: int = Field(default=7, ge=1, le=365)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_window_minutes: int = Field(default=15, ge=1, le=1440)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    # Over all clients: past this many failures in the window, each failure refuses the
    # username everywhere for a doubling backoff capped below (auth/throttle.py).
    login_account_max_failures: int = Field(default=20, ge=1, le=10_000)
    login_account_backoff_max_seconds: float = Field(default=60.0, ge=1, le=3600)
    bootstrap_admin_password: SecretStr | None = None
    bootstrap_admin_password_file: Path | None = None
    auth_cache_seconds: float = Field(default=2.0, ge=0, le=60)

    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_device: EmbeddingDevice = "auto"
    # torch | onnx | onnx-int8 (ONNX Runtime, CPU only); auto: torch on a GPU, else the
    # fastest CPU backend within a point of torch's recall (providers/embedding_backends.py).
    embedding_backend: EmbeddingBackend = "auto"
    # Where the ONNX files exported from the bundled model are kept (default var/models).
    model_cache_dir: Path | None = None
    # Questions of concurrent requests that arrive while the model encodes are encoded
    # together in the next call, up to this many (providers/query_batcher.py); a window
    # above 0 also holds a question that finds the model idle that long for company.
    query_batch_max: int = Field(default=32, ge=1, le=1024)
    query_batch_window_ms: float = Field(default=0.0, ge=0, le=100)
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    # How long a Python thread may hold the GIL while another waits for it (the interpreter
    # default is 5 ms). Embedding on CPU needs the GIL between the model's layers while
    # parsing, chunking and database work run in other threads; at 5 ms the model's cores
    # sat idle about a tenth of a 3,000-document run (not confirmed at 10k: docs/ingest.md).
    gil_switch_interval_ms: float = Field(default=0.5, gt=0, le=100)
    # Embedding jobs encode in a child process with its own interpreter and model copy
    # (providers/embedding_process.py); off: in the job's own process.
    embedding_process: bool = True
    chunk_max_tokens: int = Field(default=200, ge=32, le=512)
    chunk_overlap_tokens: int = Field(default=40, ge=0, le=256)

    retrieval_top_k: int = Field(default=5, ge=1, le=50)
    # Applies to each hit's dense cosine similarity, in every retrieval mode.
    retrieval_min_score: float = Field(default=0.2, ge=-1.0, le=1.0)
    # How /api/v1/kb/search and the agent's search tool rank: dense and BM25 fused by
    # reciprocal rank fusion (hybrid), or either alone. Versions without BM25: dense.
    retrieval_mode: Literal["hybrid", "dense", "lexical"] = "hybrid"
    # Time-sensitive documents (front matter ``freshness: time-sensitive``) rank lower as
    # they age: full weight for the grace days after ``updated``, then falling towards the
    # floor, halfway there every half-life (a floor of 1 turns it off). Review dates default to
    # ``updated`` plus the review days of the document's kind (knowledge/freshness.py).
    freshness_grace_days: int = Field(default=90, ge=0, le=3650)
    freshness_half_life_days: int = Field(default=365, ge=1, le=36_500)
    freshness_floor: float = Field(default=0.9, ge=0.0, le=1.0)
    review_days: int = Field(default=365, ge=1, le=3650)
    evergreen_review_days: int = Field(default=1095, ge=1, le=36_500)

    advice_cache_ttl_seconds: int = Field(default=600, ge=0)
    advice_cache_size: int = Field(default=10_000, ge=0)

    rate_limit_advice: str = "10/minute"
    rate_limit_token: str = "10/minute"  # noqa: S105 - a rate, not a secret
    rate_limit_advice_roles: dict[RoleName, str] = Field(default_factory=dict)
    # Abuse limits on the other costly or guessable routes (docs/security.md, "Abuse limits").
    rate_limit_refresh: str = "60/minute"  # per client address
    rate_limit_upload: str = "60/minute"  # requests per user (each may carry many files)
    rate_limit_search: str = "300/minute"  # per user
    rate_limit_ws_connect: str = "60/minute"  # Socket.IO connection attempts per address

    # HTTP edge: CORS, proxies, HSTS and request body limits (see core/middleware.py).
    cors_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    cors_allow_credentials: bool = False
    trusted_proxies: Annotated[list[str], NoDecode] = Field(default_factory=list)
    hsts: bool = False
    max_body_bytes: int = Field(default=MIB, ge=1)
    max_upload_bytes: int = Field(default=50 * MIB, ge=1)
    # `apfa serve`'s HTTP parser (core/http_server.py): a request line and headers over
    # these get 431; a head not complete in time, or a body slower than the minimum rate
    # over each body-timeout window, gets 408 and the connection closed.
    http_max_header_bytes: int = Field(default=32 * 1024, ge=1024, le=MIB)
    http_max_headers: int = Field(default=100, ge=10, le=10_000)
    http_header_timeout_seconds: float = Field(default=15.0, gt=0, le=3600)
    http_body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    http_body_min_bytes_per_second: float = Field(default=240.0, ge=0)
    http_keep_alive_seconds: int = Field(default=5, ge=1, le=3600)

    # Document uploads (POST /api/v1/documents): per-file size, enforced while streaming;
    # parser limits so a PDF or HTML bomb is rejected instead of inflated.
    upload_max_file_bytes: int = Field(default=20 * MIB, ge=1)
    upload_max_files: int = Field(default=20, ge=1, le=1000)
    upload_max_pdf_pages: int = Field(default=500, ge=1)
    upload_max_extracted_chars: int = Field(default=2_000_000, ge=1000)
    # Decompressed PDF page and form streams, summed over the document.
    upload_max_decompressed_bytes: int = Field(default=100 * MIB, ge=1024)

    # Background jobs. Local engine: worker count inside `apfa serve`. Both engines:
    # retries with exponential backoff and jitter; a running job whose heartbeat is older
    # than task_stale_seconds is re-enqueued by the sweeper, as is a pending one.
    task_workers: int = Field(default=2, ge=1, le=64)
    task_max_retries: int = Field(default=3, ge=0, le=20)
    task_retry_base_seconds: float = Field(default=2.0, ge=0)
    task_retry_max_seconds: float = Field(default=300.0, ge=0)
    task_time_limit_seconds: int = Field(default=3600, ge=10)
    task_stale_seconds: float = Field(default=120.0, ge=1)
    task_sweep_seconds: float = Field(default=30.0, ge=0.1)
    task_heartbeat_seconds: float = Field(default=10.0, ge=0.1)
    # Above the longest task's time limit, or Redis would redeliver a job still running.
    celery_visibility_timeout_seconds: int = Field(default=7200, ge=10)
    index_keep_versions: int = Field(default=5, ge=1, le=1000)
    # Safety net behind the Redis "index activated" message (the only signal without Redis).
    index_poll_seconds: float = Field(default=1.0, ge=0.1, le=60)
    # Load a version when its build finishes, before it is activated, so activation is a
    # pointer switch in every process; costs one more loaded version per process.
    index_preload: bool = True
    # The hot swap after a build waits at most this long for every API process to have
    # loaded the version, then activates anyway; 0 activates at once. An operator's
    # activation or rollback never waits.
    index_stage_wait_seconds: float = Field(default=30.0, ge=0, le=3600)

    # Shared storage (core/objectstore.py, docs/deploy.md "Object storage (S3)"): with
    # "s3", index versions and uploaded originals are kept in a bucket too, so processes
    # on other hosts fetch them into their own var dir; "local" keeps them on this disk.
    storage_backend: StorageBackend = "local"
    s3_bucket: str | None = None
    s3_prefix: str = "apfa"
    # MinIO or another S3-compatible server, e.g. http://minio:9000; unset = AWS.
    s3_endpoint_url: str | None = None
    s3_region: str | None = None
    # Unset: the standard AWS credential chain (environment, shared config, instance role).
    s3_access_key_id: SecretStr | None = None
    s3_access_key_id_file: Path | None = None
    s3_secret_access_key: SecretStr | None = None
    s3_secret_access_key_file: Path | None = None
    # Immutable objects are written with If-None-Match; false for a server without it
    # (then checked before writing, which two racing writers could both pass).
    s3_conditional_put: bool = True
    s3_timeout_seconds: float = Field(default=30.0, gt=0, le=600)

    # Two-tier cache: L1 in process, L2 Redis when APFA_REDIS_URL is set.
    cache_namespace: str = "apfa"
    cache_l1_size: int = Field(default=10_000, ge=0)
    redis_timeout_seconds: float = Field(default=0.25, gt=0)

    # Real-time admin channel (Socket.IO on /ws/socket.io).
    ws_allowed_origins: Annotated[list[str], NoDecode] = Field(default_factory=list)
    ws_max_connections_per_user: int = Field(default=5, ge=1)
    ws_max_connections: int = Field(default=10_000, ge=1)
    ws_ping_interval_seconds: float = Field(default=30.0, gt=0)
    ws_max_updates_per_second: float = Field(default=10.0, gt=0)
    ws_replay_events: int = Field(default=1000, ge=0)
    ws_metrics_interval_seconds: float = Field(default=5.0, gt=0)
    # LLM generators, tried in order; "grounded" (always last) needs no network.
    llm_providers: str = "grounded"
    llm_connect_timeout_seconds: float = Field(default=10.0, gt=0)
    llm_read_timeout_seconds: float = Field(default=110.0, gt=0)
    llm_max_attempts: int = Field(default=3, ge=1, le=10)
    llm_retry_initial_seconds: float = Field(default=0.5, ge=0)
    llm_retry_max_seconds: float = Field(default=20.0, ge=0)
    llm_max_tokens: int = Field(default=1024, ge=16, le=32_768)
    llm_temperature: float = Field(default=0.2, ge=0, le=2)
    # USD per 1,000 tokens as [prompt, completion] by provider, e.g. {"openai": [0.15, 0.6]}.
    llm_prices_per_1k: dict[str, tuple[float, float]] = Field(default_factory=dict)
    # Agent mode: an LLM may call the calculators and retrieval as tools, within at most
    # this many tool rounds and seconds in all (docs/llm.md).
    llm_agent: bool = False
    llm_agent_max_steps: int = Field(default=4, ge=1, le=16)
    llm_agent_timeout_seconds: float = Field(default=30.0, gt=0)
    breaker_failure_threshold: int = Field(default=5, ge=1)
    breaker_open_seconds: float = Field(default=60.0, gt=0)
    openai_base_url: str | None = None
    openai_api_key: SecretStr | None = None
    openai_api_key_file: Path | None = None
    openai_model: str | None = None
    anthropic_base_url: str = "https://api.anthropic.com"
    anthropic_api_key: SecretStr | None = None
    anthropic_api_key_file: Path | None = None
    anthropic_model: str | None = None
    bedrock_model_id: str | None = None
    bedrock_region: str | None = None
    # Another Converse endpoint (a VPC endpoint, or a stub in tests); unset = AWS's own.
    bedrock_endpoint_url: str | None = None
    # Market data (docs/market-data.md): a FRED API key turns the daily fetch on; without
    # one the job only reports that it is not configured and answers use the rate table.
    fred_api_key: SecretStr | None = None
    fred_api_key_file: Path | None = None
    fred_base_url: str = "https://api.stlouisfed.org/fred"
    # The Treasury's daily par yield curve, a second source for the 2- and 10-year yields.
    treasury_base_url: str = (
        "https://home.treasury.gov/resource-center/data-chart-center/interest-rates"
    )
    treasury_format: Literal["xml", "csv"] = "xml"
    market_treasury: bool = True
    # When the fetch runs: daily at this UTC time ("HH:MM"), or every N seconds if set.
    market_fetch_daily_at: str = "06:30"
    market_fetch_every_seconds: int | None = Field(default=None, ge=60)
    market_lookback_days: int = Field(default=400, ge=400, le=3650)
    market_timeout_seconds: float = Field(default=10.0, gt=0, le=120)
    market_max_attempts: int = Field(default=3, ge=1, le=10)
    market_retry_initial_seconds: float = Field(default=1.0, ge=0, le=60)
    market_retry_max_seconds: float = Field(default=30.0, ge=0, le=600)
    # A series is stale when its latest observation is older than this many days, by how
    # often it is published; stale figures are reported by /ready and the console.
    market_max_age_days_daily: int = Field(default=10, ge=1, le=365)
    market_max_age_days_weekly: int = Field(default=14, ge=1, le=365)
    market_max_age_days_monthly: int = Field(default=75, ge=1, le=730)
    # How often a process re-reads the stored figures that answers and default rates use.
    market_figures_refresh_seconds: float = Field(default=60.0, ge=0, le=3600)
    # /metrics: with a token, scrapes need `Authorization: Bearer <token>`; without one,
    # only loopback clients not relayed by a proxy are answered (observability/access.py).
    metrics_token: SecretStr | None = None
    log_level: str = "INFO"
    log_json: bool = True
    # Tracing: an OTLP/HTTP collector, e.g. http://otel-collector:4318; unset = tracing off.
    otel_endpoint: str | None = None
    otel_service_name: str = "apfa"

    @field_validator("database_url")
    @classmethod
    def _reject_sync_drivers(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            return "postgresql+asyncpg://" + value.split("://", 1)[1]
        if value.startswith("sqlite://") and not value.startswith("sqlite+aiosqlite://"):
            return "sqlite+aiosqlite://" + value.split("://", 1)[1]
        return value

    @field_validator("cors_origins", "trusted_proxies", "ws_allowed_origins", mode="before")
    @classmethod
    def _split_list(cls, value: Any) -> Any:
        """Accept a JSON list or a comma-separated string from the environment."""
        if isinstance(value, str):
            text = value.strip()
            if text.startswith("["):
                return json.loads(text)
            return [part.strip() for part in text.split(",") if part.strip()]
        return value

    @field_validator("cors_origins")
    @classmethod
    def _check_origins(cls, value: list[str]) -> list[str]:
        origins = [origin.rstrip("/") for origin in value]
        for origin in origins:
            if origin != "*" and "://" not in origin:
                raise ValueError(f"CORS origin {origin!r} needs a scheme, e.g. https://{origin}")
        return origins

    @field_validator("trusted_proxies")
    @classmethod
    def _check_proxies(cls, value: list[str]) -> list[str]:
        for entry in value:
            ipaddress.ip_network(entry, strict=False)
        return value

    @field_validator("metrics_token", mode="before")
    @classmethod
    def _check_metrics_token(cls, value: Any) -> Any:
        raw = value.get_secret_value() if isinstance(value, SecretStr) else value
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            return None
        if isinstance(raw, str) and len(raw.strip()) < 16:
            raise ValueError("APFA_METRICS_TOKEN must be at least 16 characters")
        return raw.strip() if isinstance(raw, str) else value

    @field_validator("market_fetch_daily_at")
    @classmethod
    def _check_daily_at(cls, value: str) -> str:
        parse_daily_at(value)
        return value

    @field_validator(
        "rate_limit_advice",
        "rate_limit_token",
        "rate_limit_refresh",
        "rate_limit_upload",
        "rate_limit_search",
        "rate_limit_ws_connect",
    )
    @classmethod
    def _check_rate(cls, value: str) -> str:
        parse_rate(value)
        return value

    @field_validator("rate_limit_advice_roles")
    @classmethod
    def _check_role_rates(cls, value: dict[RoleName, str]) -> dict[RoleName, str]:
        for spec in value.values():
            parse_rate(spec)
        return value

    @model_validator(mode="after")
    def _no_wildcard_with_credentials(self) -> Settings:
        check_cors(self.cors_origins, self.cors_allow_credentials)
        return self

    @model_validator(mode="after")
    def _bucket_with_s3(self) -> Settings:
        if self.storage_backend == "s3" and not self.s3_bucket:
            raise ValueError("APFA_S3_BUCKET must be set when APFA_STORAGE_BACKEND=s3")
        return self

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'apfa.db').resolve()}"

    @property
    def upload_dir(self) -> Path:
        return self.var_dir / "uploads"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def models_dir(self) -> Path:
        return self.model_cache_dir or self.var_dir / "models"

    @property
    def secrets_dir(self) -> Path:
        return self.var_dir / "secrets"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")


def parse_daily_at(value: str) -> tuple[int, int]:
    """``"HH:MM"`` (UTC) as (hour, minute); ValueError with a clear message otherwise."""
    hour, _, minute = value.strip().partition(":")
    if not (hour.isdigit() and minute.isdigit() and 0 <= int(hour) < 24 and 0 <= int(minute) < 60):
        raise ValueError(f"expected HH:MM in UTC, e.g. 06:30, not {value!r}")
    return int(hour), int(minute)


def check_cors(origins: list[str], allow_credentials: bool) -> None:
    """Browsers refuse ``*`` with credentials, and echoing any origin instead would let
    every site act with the user's cookies: refuse the combination outright."""
    if allow_credentials and "*" in origins:
        raise ValueError("APFA_CORS_ORIGINS may not contain '*' when credentials are allowed")


SETTINGS = Resource[Settings]("settings")
