"""Shared storage through the S3 API (AWS S3, MinIO or any S3-compatible server).

``APFA_STORAGE_BACKEND=local`` (the embedded default) keeps everything on this host's
disk and ``object_store`` answers None. With ``s3``, index versions and uploaded
originals are also kept in ``APFA_S3_BUCKET`` under ``APFA_S3_PREFIX``, so a process on
another host can fetch them. Credentials come from ``APFA_S3_ACCESS_KEY_ID`` /
``APFA_S3_SECRET_ACCESS_KEY`` (or their ``*_FILE``), else from the standard AWS chain
(environment, shared config, instance or pod role).

Objects that must never change are written with ``If-None-Match: *``, which S3 and MinIO
refuse atomically once the key exists. A server that does not support it can be used
with ``APFA_S3_CONDITIONAL_PUT=false``: the store then checks for the key before writing,
which two writers racing on one key could both pass (version ids come from the database,
so only a build redelivered while its first delivery still runs could race).

boto3 blocks, so every method is called from a worker thread.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from apfa.core.config import Settings
from apfa.core.secrets import SecretsError, configured_secret

if TYPE_CHECKING:
    from mypy_boto3_s3 import S3Client
    from mypy_boto3_s3.type_defs import ObjectIdentifierTypeDef

# Errors meaning "these credentials are refused", as S3, MinIO and moto name them.
_CREDENTIAL_ERRORS = frozenset(
    {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "403", "InvalidToken"}
)
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})


class ObjectStoreError(Exception):
    """The object store is unusable or refused an operation; the message is one line."""


class ObjectExists(ObjectStoreError):
    """A write that must not overwrite found the key already there."""


class ObjectMissing(ObjectStoreError):
    """The key does not exist."""


class ObjectStore(Protocol):
    """Keys are relative to the configured prefix, ``/``-separated."""

    def describe(self) -> str: ...

    def check(self) -> None: ...

    def put_file(self, key: str, path: Path, *, if_absent: bool = False) -> None: ...

    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False) -> None: ...

    def get_file(self, key: str, path: Path) -> None: ...

    def get_bytes(self, key: str) -> bytes: ...

    def exists(self, key: str) -> bool: ...

    def keys(self, prefix: str) -> list[str]: ...

    def delete(self, keys: list[str]) -> None: ...


def _code(exc: Exception) -> str:
    response: dict[str, Any] = getattr(exc, "response", None) or {}
    return str(response.get("Error", {}).get("Code", ""))


class S3ObjectStore:
    def __init__(
        self, client: S3Client, bucket: str, prefix: str, *, conditional_put: bool = True
    ) -> None:
        self._client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self._conditional = conditional_put

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def _fail(self, action: str, key: str, exc: Exception) -> ObjectStoreError:
        code = _code(exc)
        where = f"{self.describe()}/{key}"
        if code in _MISSING:
            return ObjectMissing(f"{where} does not exist")
        if code in ("PreconditionFailed", "412"):
            return ObjectExists(f"{where} already exists and is never overwritten")
        return ObjectStoreError(f"cannot {action} {where}: {code or type(exc).__name__} {exc}")

    def check(self) -> None:
        """Raise one clear line unless the bucket exists and these credentials may list it."""
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            self._client.list_objects_v2(Bucket=self.bucket, Prefix=self._key(""), MaxKeys=1)
        except ClientError as exc:
            code = _code(exc)
            if code in ("NoSuchBucket", "404"):
                raise ObjectStoreError(
                    f"APFA_S3_BUCKET: bucket {self.bucket!r} does not exist"
                ) from exc
            if code in _CREDENTIAL_ERRORS:
                raise ObjectStoreError(
                    f"the object store refused the credentials for bucket {self.bucket!r} "
                    f"({code}); check APFA_S3_ACCESS_KEY_ID/APFA_S3_SECRET_ACCESS_KEY "
                    "or the AWS credential chain"
                ) from exc
            raise ObjectStoreError(f"object store {self.describe()}: {code} {exc}") from exc
        except BotoCoreError as exc:
            raise ObjectStoreError(f"object store {self.describe()} is unreachable: {exc}") from exc

    def put_file(self, key: str, path: Path, *, if_absent: bool = False) -> None:
        with path.open("rb") as handle:
            self._put(key, handle, if_absent)

    def put_bytes(self, key: str, data: bytes, *, if_absent: bool = False) -> None:
        self._put(key, data, if_absent)

    def _put(self, key: str, body: Any, if_absent: bool) -> None:
        from botocore.exceptions import ClientError

        if if_absent and not self._conditional and self.exists(key):
            raise ObjectExists(f"{self.describe()}/{key} already exists and is never overwritten")
        extra: dict[str, Any] = {"IfNoneMatch": "*"} if if_absent and self._conditional else {}
        try:
            self._client.put_object(Bucket=self.bucket, Key=self._key(key), Body=body, **extra)
        except ClientError as exc:
            raise self._fail("write", key, exc) from exc

    def get_file(self, key: str, path: Path) -> None:
        from botocore.exceptions import ClientError

        try:
            self._client.download_file(self.bucket, self._key(key), str(path))
        except ClientError as exc:
            raise self._fail("read", key, exc) from exc

    def get_bytes(self, key: str) -> bytes:
        from botocore.exceptions import ClientError

        try:
            return self._client.get_object(Bucket=self.bucket, Key=self._key(key))["Body"].read()
        except ClientError as exc:
            raise self._fail("read", key, exc) from exc

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self.bucket, Key=self._key(key))
        except ClientError as exc:
            if _code(exc) in _MISSING:
                return False
            raise self._fail("read", key, exc) from exc
        return True

    def keys(self, prefix: str) -> list[str]:
        """Every key under ``prefix`` (relative to the store's prefix), sorted."""
        return sorted(self._iter_keys(prefix))

    def _iter_keys(self, prefix: str) -> Iterator[str]:
        from botocore.exceptions import ClientError

        strip = len(self._key(""))
        paginator = self._client.get_paginator("list_objects_v2")
        try:
            for page in paginator.paginate(Bucket=self.bucket, Prefix=self._key(prefix)):
                for item in page.get("Contents", []):
                    yield item["Key"][strip:]
        except ClientError as exc:
            raise self._fail("list", prefix, exc) from exc

    def delete(self, keys: list[str]) -> None:
        from botocore.exceptions import ClientError

        for start in range(0, len(keys), 1000):  # the API's batch limit
            batch: list[ObjectIdentifierTypeDef] = [
                {"Key": self._key(k)} for k in keys[start : start + 1000]
            ]
            try:
                self._client.delete_objects(Bucket=self.bucket, Delete={"Objects": batch})
            except ClientError as exc:
                raise self._fail("delete", keys[start], exc) from exc


def _client(settings: Settings) -> S3Client:
    try:
        import boto3
        from botocore.config import Config
    except ImportError as exc:
        raise ObjectStoreError(
            "APFA_STORAGE_BACKEND=s3 needs boto3: pip install 'apfa[s3]'"
        ) from exc
    try:
        key_id = configured_secret(
            settings.s3_access_key_id, settings.s3_access_key_id_file, "APFA_S3_ACCESS_KEY_ID"
        )
        secret = configured_secret(
            settings.s3_secret_access_key,
            settings.s3_secret_access_key_file,
            "APFA_S3_SECRET_ACCESS_KEY",
        )
    except SecretsError as exc:
        raise ObjectStoreError(str(exc)) from exc
    if (key_id is None) != (secret is None):
        raise ObjectStoreError(
            "set both APFA_S3_ACCESS_KEY_ID and APFA_S3_SECRET_ACCESS_KEY, or neither "
            "(the AWS credential chain)"
        )
    return boto3.session.Session().client(
        "s3",
        endpoint_url=settings.s3_endpoint_url,
        region_name=settings.s3_region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            retries={"max_attempts": 3, "mode": "standard"},
            connect_timeout=settings.s3_timeout_seconds,
            read_timeout=settings.s3_timeout_seconds,
        ),
    )


_STORES: dict[tuple[Any, ...], ObjectStore] = {}


def _identity(settings: Settings) -> tuple[Any, ...]:
    secret = settings.s3_secret_access_key
    key_id = settings.s3_access_key_id
    return (
        os.getpid(),  # a client is never shared with a forked child (Celery prefork)
        settings.s3_bucket,
        settings.s3_prefix,
        settings.s3_conditional_put,
        settings.s3_endpoint_url,
        settings.s3_region,
        key_id.get_secret_value() if key_id else None,
        secret.get_secret_value() if secret else None,
        settings.s3_access_key_id_file,
        settings.s3_secret_access_key_file,
        settings.s3_timeout_seconds,
    )


def _build(settings: Settings) -> S3ObjectStore:
    if not settings.s3_bucket:
        raise ObjectStoreError("APFA_S3_BUCKET must be set when APFA_STORAGE_BACKEND=s3")
    return S3ObjectStore(
        _client(settings),
        settings.s3_bucket,
        settings.s3_prefix,
        conditional_put=settings.s3_conditional_put,
    )


def object_store(settings: Settings) -> ObjectStore | None:
    """This process's store for ``settings`` (one client per configuration, made on first
    use), or None with the local backend. Raises ``ObjectStoreError`` for an unusable
    configuration."""
    if settings.storage_backend != "s3":
        return None
    identity = _identity(settings)
    store = _STORES.get(identity)
    if store is None:
        store = _STORES[identity] = _build(settings)
    return store


def check_object_store(settings: Settings) -> str | None:
    """Where shared files are kept (None: this host's disk); raises ``ObjectStoreError``
    with one line when the configured store cannot be used. Run at start-up; the client
    it makes is not kept, so a process forked afterwards makes its own."""
    if settings.storage_backend != "s3":
        return None
    store = _build(settings)
    store.check()
    return store.describe()
