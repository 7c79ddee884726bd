"""An object store that cannot be used stops every process at start-up with one line:
``apfa serve``, ``apfa worker`` and the commands that build or activate versions before
they touch anything, the API process in its lifespan."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import moto.settings
import pytest
from pydantic import ValidationError

import apfa
from apfa.core.objectstore import ObjectStoreError, check_object_store
from apfa.main import create_app
from apfa.providers.embeddings import SentenceTransformerEmbedder
from conftest import make_settings
from storage_support import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, s3_settings
from support import SHARED_MODELS

APFA = str(Path(sys.executable).parent / "apfa")
SRC = str(Path(apfa.__file__).resolve().parents[1])
SECRET = "cli-shared-" + "s" * 40


def run(var_dir: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """``apfa ARGS`` with only the ``APFA_*`` settings given."""
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


def s3_env(endpoint: str, bucket: str) -> dict[str, str]:
    return {
        "APFA_JWT_SECRET": SECRET,
        "APFA_STORAGE_BACKEND": "s3",
        "APFA_S3_BUCKET": bucket,
        "APFA_S3_ENDPOINT_URL": endpoint,
        "APFA_S3_REGION": REGION,
        "APFA_S3_ACCESS_KEY_ID": ACCESS_KEY_ID,
        "APFA_S3_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
        "APFA_REDIS_URL": "redis://127.0.0.1:6379/15",
    }


@pytest.fixture
def authenticating(monkeypatch: pytest.MonkeyPatch) -> None:
    """The test server checks credentials from now on; it knows none of ours."""
    monkeypatch.setattr(moto.settings, "INITIAL_NO_AUTH_ACTION_COUNT", 0)


@pytest.mark.parametrize(
    "command",
    [["serve"], ["worker"], ["bootstrap"], ["kb", "ingest", "."], ["index", "activate", "1"]],
)
def test_a_missing_bucket_stops_the_command_with_one_line(
    tmp_path: Path, s3_endpoint: str, command: list[str]
) -> None:
    line = one_line(run(tmp_path, *command, **s3_env(s3_endpoint, "apfa-no-such-bucket")))
    assert line == "apfa: APFA_S3_BUCKET: bucket 'apfa-no-such-bucket' does not exist"


def test_refused_credentials_stop_serve_with_one_line(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str, authenticating: None
) -> None:
    line = one_line(run(tmp_path, "serve", **s3_env(s3_endpoint, s3_bucket)))
    assert f"refused the credentials for bucket '{s3_bucket}' (InvalidAccessKeyId)" in line


def test_half_a_key_pair_stops_serve(tmp_path: Path, s3_endpoint: str, s3_bucket: str) -> None:
    env = s3_env(s3_endpoint, s3_bucket)
    del env["APFA_S3_SECRET_ACCESS_KEY"]
    line = one_line(run(tmp_path, "serve", **env))
    assert "set both APFA_S3_ACCESS_KEY_ID and APFA_S3_SECRET_ACCESS_KEY, or neither" in line


def test_s3_without_a_bucket_is_a_settings_error(tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="APFA_S3_BUCKET must be set"):
        make_settings(tmp_path, "sqlite+aiosqlite:///x.db", storage_backend="s3")
    line = one_line(run(tmp_path, "serve", APFA_JWT_SECRET=SECRET, APFA_STORAGE_BACKEND="s3"))
    assert "APFA_S3_BUCKET must be set when APFA_STORAGE_BACKEND=s3" in line


def test_a_usable_store_is_named_at_startup(
    tmp_path: Path, s3_endpoint: str, s3_bucket: str
) -> None:
    settings = s3_settings(
        make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"), s3_endpoint, s3_bucket
    )
    assert check_object_store(settings) == f"s3://{s3_bucket}/apfa"


async def test_the_api_process_refuses_to_start_without_its_bucket(
    tmp_path: Path, s3_endpoint: str, embedder: SentenceTransformerEmbedder
) -> None:
    settings = s3_settings(
        make_settings(tmp_path, f"sqlite+aiosqlite:///{tmp_path / 'a.db'}"),
        s3_endpoint,
        "apfa-no-such-bucket",
    )
    app = create_app(settings, embedder=embedder)
    with pytest.raises(ObjectStoreError, match="bucket 'apfa-no-such-bucket' does not exist"):
        async with app.router.lifespan_context(app):
            pass
