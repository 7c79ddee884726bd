"""Stored originals under ``Settings.upload_dir``, named by document id.

Incoming parts stream into ``.incoming/`` (same file system, so keeping one is an atomic
rename) and are deleted unless kept. All methods block: call them from a worker thread.
"""

from __future__ import annotations

import os
import re
import uuid
from pathlib import Path

INCOMING = ".incoming"
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
    def __init__(self, root: Path) -> None:
        self.root = root
        self.incoming_dir = root / INCOMING

    def path_for(self, key: str) -> Path:
        if not _KEY.match(key):
            raise ValueError(f"not a storage key: {key!r}")
        return self.root / key

    def incoming(self) -> IncomingFile:
        self.incoming_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        return IncomingFile(self.incoming_dir / f"{uuid.uuid4().hex}.part")

    def keep(self, incoming: IncomingFile, key: str) -> None:
        """Move a closed incoming file to its permanent name."""
        incoming.close()
        os.replace(incoming.path, self.path_for(key))

    def read(self, key: str) -> bytes:
        return self.path_for(key).read_bytes()

    def delete(self, key: str | None) -> None:
        if key:
            self.path_for(key).unlink(missing_ok=True)

    def stored_keys(self) -> list[str]:
        """Every kept file (for checks and tests; incoming parts are not listed)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_file() and _KEY.match(p.name))
