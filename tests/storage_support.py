"""An S3-compatible server on loopback for the object-store tests (imported as
``storage_support``): moto's standalone server, started once per session on a free port.

Each test gets its own bucket (``s3_bucket``), so tests never see each other's objects;
``s3_settings`` points a host's settings at it. The fixtures are registered for every
test by ``tests/conftest.py``.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import boto3
import pytest
from moto.server import ThreadedMotoServer
from pydantic import SecretStr

from apfa.core.config import Settings

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client

# moto accepts any key pair unless authentication is turned on; these name no account.
ACCESS_KEY_ID = "apfa-test-key"
SECRET_ACCESS_KEY = "apfa-test-secret"
REGION = "us-east-1"


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


def s3_client(endpoint: str) -> S3Client:
    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=REGION,
        aws_access_key_id=ACCESS_KEY_ID,
        aws_secret_access_key=SECRET_ACCESS_KEY,
    )


@pytest.fixture
def s3_bucket(s3_endpoint: str) -> str:
    name = f"apfa-{uuid.uuid4().hex[:16]}"
    s3_client(s3_endpoint).create_bucket(Bucket=name)
    return name


def s3_settings(settings: Settings, endpoint: str, bucket: str, **overrides: Any) -> Settings:
    """``settings`` with the object store at ``endpoint``/``bucket``."""
    return settings.model_copy(
        update={
            "storage_backend": "s3",
            "s3_bucket": bucket,
            "s3_prefix": "apfa",
            "s3_endpoint_url": endpoint,
            "s3_region": REGION,
            "s3_access_key_id": SecretStr(ACCESS_KEY_ID),
            "s3_secret_access_key": SecretStr(SECRET_ACCESS_KEY),
            **overrides,
        }
    )


def object_keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    """Every key in ``bucket`` under ``prefix``, read straight from the server."""
    pages = (
        s3_client(endpoint).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
    )
    return sorted(item["Key"] for page in pages for item in page.get("Contents", []))
