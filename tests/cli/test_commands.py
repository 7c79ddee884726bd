"""The ``apfa`` command line, run as a real subprocess against a throwaway var/ directory."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import anyio
import pytest
from pydantic import SecretStr

from apfa.auth.passwords import verify_password
from apfa.cli.users import ensure_bootstrap_admin
from apfa.core.migrate import upgrade_to_head
from conftest import CORPUS, make_settings
from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")


def apfa(var_dir: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("APFA_") or k == SHARED_MODELS}
    env.update({"APFA_VAR_DIR": str(var_dir), "APFA_JWT_SECRET": "cli-test-" + "s" * 40})
    return subprocess.run(
        [APFA, *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
        cwd=var_dir,
    )


def users_in(var_dir: Path) -> dict[str, tuple[str, str]]:
    with sqlite3.connect(var_dir / "apfa.db") as db:
        rows = db.execute("SELECT username, role, password_hash FROM users").fetchall()
    return {name: (role, digest) for name, role, digest in rows}


def test_users_create_reads_password_from_stdin(tmp_path: Path) -> None:
    assert apfa(tmp_path, "migrate").returncode == 0
    created = apfa(
        tmp_path,
        "users",
        "create",
        "alice",
        "--role",
        "financial_advisor",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert created.returncode == 0, created.stderr
    role, digest = users_in(tmp_path)["alice"]
    assert role == "financial_advisor"
    assert digest.startswith("$argon2id$")
    assert verify_password(digest, "a long enough password")

    again = apfa(
        tmp_path,
        "users",
        "create",
        "alice",
        "--role",
        "user",
        "--password-stdin",
        stdin="another long password\n",
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr + again.stdout
    short = apfa(
        tmp_path, "users", "create", "bob", "--role", "user", "--password-stdin", stdin="short\n"
    )
    assert short.returncode == 1
    assert "at least 12" in short.stderr + short.stdout
    bad_role = apfa(
        tmp_path,
        "users",
        "create",
        "carol",
        "--role",
        "emperor",
        "--password-stdin",
        stdin="a long enough password\n",
    )
    assert bad_role.returncode == 2
    assert set(users_in(tmp_path)) == {"alice"}


def test_kb_ingest_stats_and_index_commands(tmp_path: Path) -> None:
    assert apfa(tmp_path, "migrate").returncode == 0
    first = apfa(tmp_path, "kb", "ingest", str(CORPUS))
    assert first.returncode == 0, first.stderr
    assert "4 added" in first.stdout
    assert "serving index version 1" in first.stdout
    second = apfa(tmp_path, "kb", "ingest", str(CORPUS))
    assert second.returncode == 0
    assert "4 unchanged" in second.stdout
    assert "0 embedded" in second.stdout
    assert "serving index version 1" in second.stdout
    stats = apfa(tmp_path, "kb", "stats")
    assert stats.returncode == 0
    assert "indexed documents" in stats.stdout
    assert "active index version" in stats.stdout
    review = apfa(tmp_path, "kb", "review", "--all")
    assert review.returncode == 0, review.stderr
    assert "evergreen" in review.stdout
    assert "0 of 4 indexed documents are past their review date" in review.stdout
    listing = apfa(tmp_path, "index", "list")
    assert listing.returncode == 0
    assert "ready" in listing.stdout
    assert apfa(tmp_path, "index", "activate", "1").returncode == 0
    missing = apfa(tmp_path, "index", "activate", "42")
    assert missing.returncode == 1
    assert "does not exist" in missing.stderr + missing.stdout
    nothing = apfa(tmp_path, "kb", "ingest", str(tmp_path / "nope"))
    assert nothing.returncode == 2
    with sqlite3.connect(tmp_path / "apfa.db") as db:
        actions = [row[0] for row in db.execute("SELECT action FROM audit_logs ORDER BY id")]
        actors = {row[0] for row in db.execute("SELECT actor FROM audit_logs")}
    assert actions == ["kb_ingest", "kb_ingest", "index_activate"]
    assert all(a.startswith("cli:") for a in actors)


def test_bootstrap_admin_is_created_once_with_a_random_password(tmp_path: Path) -> None:
    settings = make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}")
    upgrade_to_head(settings)
    password = anyio.run(ensure_bootstrap_admin, settings)
    assert password is not None
    assert len(password) >= 20
    assert anyio.run(ensure_bootstrap_admin, settings) is None
    role, digest = users_in(tmp_path)["admin"]
    assert role == "super_admin"
    assert verify_password(digest, password)


@pytest.mark.parametrize("given", ["operator chosen password"])
def test_bootstrap_admin_takes_the_configured_password(tmp_path: Path, given: str) -> None:
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}",
        bootstrap_admin_password=SecretStr(given),
    )
    upgrade_to_head(settings)
    assert anyio.run(ensure_bootstrap_admin, settings) is None
    assert verify_password(users_in(tmp_path)["admin"][1], given)


def test_bootstrap_admin_password_may_come_from_a_file(tmp_path: Path) -> None:
    path = tmp_path / "admin_password"
    path.write_text("operator chosen password\n", encoding="utf-8")
    settings = make_settings(
        tmp_path,
        f"sqlite+aiosqlite:///{tmp_path / 'apfa.db'}",
        bootstrap_admin_password_file=path,
    )
    upgrade_to_head(settings)
    assert anyio.run(ensure_bootstrap_admin, settings) is None
    assert verify_password(users_in(tmp_path)["admin"][1], "operator chosen password")


def test_openapi_prints_the_committed_document(tmp_path: Path) -> None:
    committed = (Path(__file__).resolve().parents[2] / "openapi.json").read_text(encoding="utf-8")
    printed = apfa(tmp_path, "openapi")
    assert printed.returncode == 0, printed.stderr
    assert printed.stdout == committed
    written = apfa(tmp_path, "openapi", "--output", "contract.json")
    assert written.returncode == 0, written.stderr
    assert (tmp_path / "contract.json").read_text(encoding="utf-8") == committed
