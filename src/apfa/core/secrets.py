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


def jwt_keyring(settings: Settings) -> tuple[dict[str, str], str]:
    """Signing keys by ``kid`` and the one that signs new tokens."""
    keys = {kid: secret.get_secret_value() for kid, secret in settings.jwt_keys.items()}
    if settings.jwt_secret is not None:
        keys.setdefault("primary", settings.jwt_secret.get_secret_value())
    if not keys:
        keys["generated"] = _load_or_create(settings.secrets_dir / "jwt_secret", "APFA_JWT_SECRET")
    active = settings.jwt_active_kid or (next(iter(keys)) if len(keys) == 1 else None)
    if active is None or active not in keys:
        raise ValueError("set APFA_JWT_ACTIVE_KID to one of the ids in APFA_JWT_KEYS")
    return keys, active


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
