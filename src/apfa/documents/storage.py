"""Stored originals under ``Settings.upload_dir``, named by document id.

Incoming parts stream into ``.incoming/`` (same file system, so keeping one is an atomic
rename) and are deleted unless kept. All methods block: call them from a worker thread,
except ``delete``, which callers may run on the event loop (after a commit).

With the object store (``APFA_STORAGE_BACKEND=s3``) a kept original is also written to
``uploads/<id>`` there before the upload is answered, so a worker on another host reads
it from the store; the upload directory is then this host's cache of the store.
"""

from __future__ import annotations

import os
import re
import threading
import uuid
from pathlib import Path

import structlog

from apfa.core.config import Settings
from apfa.core.objectstore import ObjectStore, ObjectStoreError, object_store
from apfa.documents.exceptions import StorageUnavailable

log = structlog.get_logger(__name__)

INCOMING = ".incoming"
REMOTE_PREFIX = "uploads/"
_KEY = re.compile(r"\A[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\Z")


class IncomingFile:
    """One part being received: bytes appended in order, then kept or discarded."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)

    def write(self, data: bytes) -> None:
        if self._fd is None:
            raise ValueError("incoming file is closed")
        view = memoryview(data)
        while view:
            view = view[os.write(self._fd, view) :]

    def close(self) -> None:
        if self._fd is not None:
            os.fsync(self._fd)
            os.close(self._fd)
            self._fd = None

    def discard(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        self.path.unlink(missing_ok=True)


class UploadStore:
    def __init__(self, root: Path, remote: ObjectStore | None = None) -> None:
        self.root = root
        self.incoming_dir = root / INCOMING
        self.remote = remote

    def path_for(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def incoming(self) -> IncomingFile:
        self.incoming_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return IncomingFile(self.incoming_dir / f"{uuid.uuid4().hex}.part")

    def keep(self, incoming: IncomingFile, key: str) -> None:
        """Move a closed incoming file to its permanent name (and into the object store)."""
        incoming.close()
        path = self.path_for(key)
        os.replace(incoming.path, path)
        if self.remote is not None:
            try:
                self.remote.put_file(REMOTE_PREFIX + key, path)
            except ObjectStoreError as exc:
                path.unlink(missing_ok=True)
                log.error("upload_store_failed", key=key, error=str(exc))
                raise StorageUnavailable("the document store is unavailable; try again") from exc

    def read(self, key: str) -> bytes:
        """The original, from this host's disk or else fetched from the object store (and
        kept on disk for the next read)."""
        path = self.path_for(key)
        if self.remote is None or path.exists():
            return path.read_bytes()
        self.root.mkdir(parents=True, exist_ok=True)
        part = self.root / f".fetch-{key}-{uuid.uuid4().hex}"
        try:
            self.remote.get_file(REMOTE_PREFIX + key, part)
            os.replace(part, path)
        except ObjectStoreError as exc:
            raise FileNotFoundError(f"original {key}: {exc}") from exc
        finally:
            part.unlink(missing_ok=True)
        return path.read_bytes()

    def delete(self, key: str | None) -> None:
        """Delete an original here at once and, in a background thread, from the object
        store, so a caller on the event loop never waits on the network."""
        if not key:
            return
        self.path_for(key).unlink(missing_ok=True)
        remote = self.remote
        if remote is None:
            return

        def delete_remote() -> None:
            try:
                remote.delete([REMOTE_PREFIX + key])
            except ObjectStoreError as exc:
                log.warning("upload_delete_failed", key=key, error=str(exc))

        threading.Thread(target=delete_remote, name="upload-delete", daemon=True).start()

    def stored_keys(self) -> list[str]:
        """Every kept file (for checks and tests; incoming parts are not listed): in the
        object store when there is one, else on this disk."""
        if self.remote is not None:
            return sorted(
                k.removeprefix(REMOTE_PREFIX)
                for k in self.remote.keys(REMOTE_PREFIX)
                if _KEY.match(k.removeprefix(REMOTE_PREFIX))
            )
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and _KEY.match(p.name))


def upload_store(settings: Settings) -> UploadStore:
    """The originals' store this process uses: its upload directory, and the object store
    when one is configured."""
    return UploadStore(settings.upload_dir, object_store(settings))
