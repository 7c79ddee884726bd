"""Runtime configuration, read from ``APFA_*`` environment variables and ``.env``.

Nothing here touches the disk or the network at import time: ``Settings()`` only reads
the environment, and ``create_app`` decides what to open.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

TaskBackend = Literal["local", "celery"]
EmbeddingDevice = Literal["cpu", "cuda", "auto"]


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

    jwt_secret: SecretStr | None = None
    # Key rotation: several signing keys by id; tokens are signed with the active one and
    # verified with whichever their `kid` names. E.g. {"2026-11": "...", "2026-05": "..."}.
    jwt_keys: dict[str, SecretStr] = Field(default_factory=dict)
    jwt_active_kid: str | None = None
    jwt_issuer: str = "apfa"
    jwt_audience: str = "apfa-api"
    access_token_minutes: int = Field(default=15, ge=1, le=1440)
    refresh_token_days: int = Field(default=7, ge=1, le=365)
    login_max_failures: int = Field(default=5, ge=1, le=100)
    login_window_minutes: int = Field(default=15, ge=1, le=1440)
    login_lockout_minutes: int = Field(default=15, ge=1, le=1440)
    bootstrap_admin_password: SecretStr | None = None
    auth_cache_seconds: float = Field(default=2.0, ge=0, le=60)

    embedding_model: str = "all-MiniLM-L6-v2"
    embedding_device: EmbeddingDevice = "auto"
    embedding_batch_size: int = Field(default=64, ge=1, le=4096)
    chunk_max_tokens: int = Field(default=200, ge=32, le=512)
    chunk_overlap_tokens: int = Field(default=40, ge=0, le=256)

    retrieval_top_k: int = Field(default=5, ge=1, le=50)
    retrieval_min_score: float = Field(default=0.2, ge=-1.0, le=1.0)

    advice_cache_ttl_seconds: int = Field(default=600, ge=0)
    advice_cache_size: int = Field(default=10_000, ge=0)

    rate_limit_advice: str = "10/minute"
    rate_limit_token: str = "10/minute"  # noqa: S105 - a rate, not a secret
    llm_providers: str = "grounded"
    log_level: str = "INFO"
    log_json: bool = True

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

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite+aiosqlite:///{(self.var_dir / 'apfa.db').resolve()}"

    @property
    def index_dir(self) -> Path:
        return self.var_dir / "index"

    @property
    def secrets_dir(self) -> Path:
        return self.var_dir / "secrets"

    @property
    def is_sqlite(self) -> bool:
        return self.resolved_database_url.startswith("sqlite")
