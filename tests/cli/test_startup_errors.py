"""Configuration a command cannot start with ends it with one line on stderr, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import apfa
from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")
SRC = str(Path(apfa.__file__).resolve().parents[1])
SECRET = "cli-shared-" + "s" * 40


def run(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``apfa ARGS`` with only the ``APFA_*`` settings given (no JWT secret by default)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    clean.update({"APFA_VAR_DIR": str(var_dir), "PYTHONPATH": SRC, **env})
    return subprocess.run(
        [APFA, *args], capture_output=True, text=True, env=clean, timeout=120, cwd=var_dir
    )


def one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("apfa: ")
    return lines[0]


@pytest.mark.parametrize(
    ("env", "reason"),
    [
        ({"APFA_DATABASE_URL": "postgresql://apfa@db.invalid/apfa"}, "not SQLite"),
        ({"APFA_TASK_BACKEND": "celery"}, "APFA_TASK_BACKEND=celery"),
    ],
)
def test_serve_refuses_a_generated_secret_on_several_hosts(
    tmp_path: Path, env: dict[str, str], reason: str
) -> None:
    line = one_line(run(tmp_path, "serve", **env))
    assert "APFA_JWT_SECRET (or APFA_JWT_SECRET_FILE) must be set" in line
    assert reason in line
    assert 'python -c "import secrets; print(secrets.token_urlsafe(48))"' in line
    assert not (tmp_path / "secrets").exists()


def test_serve_names_an_unreadable_secret_file(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-secret"
    result = run(tmp_path, "serve", APFA_TASK_BACKEND="celery", APFA_JWT_SECRET_FILE=str(missing))
    assert f"APFA_JWT_SECRET_FILE: cannot read {missing}" in one_line(result)


def test_serve_refuses_a_short_key(tmp_path: Path) -> None:
    result = run(tmp_path, "serve", APFA_JWT_SECRET="too short")
    assert "must be at least 32 bytes" in one_line(result)


@pytest.mark.parametrize(
    ("password", "rule"),
    [
        ("short", "at least 12 characters"),
        ("aaaaaaaaaaaaaaa", "at least 5 different characters"),
        ("my admin password", "must not contain the username"),
        ("password123456!", "too common"),
    ],
)
def test_bootstrap_names_the_rule_a_password_breaks(
    tmp_path: Path, password: str, rule: str
) -> None:
    result = run(
        tmp_path, "bootstrap", APFA_JWT_SECRET=SECRET, APFA_BOOTSTRAP_ADMIN_PASSWORD=password
    )
    line = one_line(result)
    assert line.startswith("apfa: APFA_BOOTSTRAP_ADMIN_PASSWORD is refused: password")
    assert rule in line
    assert not (tmp_path / "apfa.db").exists()


def test_bootstrap_password_file_is_checked_too(tmp_path: Path) -> None:
    path = tmp_path / "admin_password"
    path.write_text("short\n", encoding="utf-8")
    result = run(
        tmp_path, "bootstrap", APFA_JWT_SECRET=SECRET, APFA_BOOTSTRAP_ADMIN_PASSWORD_FILE=str(path)
    )
    assert "at least 12 characters" in one_line(result)


def test_an_invalid_setting_is_one_line(tmp_path: Path) -> None:
    line = one_line(run(tmp_path, "migrate", APFA_PORT="eighty"))
    assert line.startswith("apfa: APFA_PORT: ")
