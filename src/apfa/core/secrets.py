"""Secrets the service needs: taken from configuration, or generated once per install
(stored under ``var/secrets`` with owner-only permissions) with a notice to the operator.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

import structlog

from apfa.core.config import Settings

log = structlog.get_logger(__name__)


def jwt_secret(settings: Settings) -> str:
    if settings.jwt_secret is not None:
        return settings.jwt_secret.get_secret_value()
    return _load_or_create(settings.secrets_dir / "jwt_secret", "APFA_JWT_SECRET")


def _load_or_create(path: Path, env_name: str) -> str:
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    value = secrets.token_urlsafe(48)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(path, flags, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(value)
    log.warning("secret_generated", path=str(path), hint=f"set {env_name} to manage it yourself")
    return value
