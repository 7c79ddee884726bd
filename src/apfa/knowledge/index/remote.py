"""Index versions in the shared object store (``APFA_STORAGE_BACKEND=s3``).

The process that builds a version publishes it: every file of the version directory is
uploaded, whatever its name, under ``index/versions/v000007/``, then ``published.json``
(each file's SHA-256 and size) is written last, so a version is visible only once it is
complete. Every object is written only if absent: a version is never overwritten, and a
second publication of one id fails.

A process lacking a version on its disk fetches it into its index directory (a cache of
the store, per host): the files go to a temporary directory, each is checked against
``published.json``, and only a version whose every file matches is renamed into place and
loaded (which checks the version's own manifest again). A corrupt or incomplete one is
refused: logged, counted (``apfa_index_fetches_total{outcome}``), and the process stays on
the version it serves; it tries that version again only after ``RETRY_SECONDS``, so the
database poll does not download it every second. Blocking: call these from a worker
thread.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import structlog

from apfa.core.objectstore import ObjectMissing, ObjectStore, ObjectStoreError
from apfa.knowledge.index.store import CorruptIndexError
from apfa.observability import metrics

log = structlog.get_logger(__name__)

VERSIONS = "index/versions"
PUBLISHED = "published.json"
_CHUNK = 1024 * 1024
RETRY_SECONDS = 60.0
# Versions refused by this process: directory -> (when, why).
_refused: dict[Path, tuple[float, str]] = {}
_refused_lock = threading.Lock()


class VersionFetchError(CorruptIndexError):
    """A version could not be fetched from the store, or did not match ``published.json``."""


@dataclass(frozen=True, slots=True)
class Published:
    directory: str
    files: dict[str, str]
    sizes: dict[str, int]
    published_at: str

    def to_json(self) -> bytes:
        return json.dumps(
            {
                "directory": self.directory,
                "files": self.files,
                "sizes": self.sizes,
                "published_at": self.published_at,
            },
            indent=2,
            sort_keys=True,
        ).encode()


def version_prefix(dirname: str) -> str:
    return f"{VERSIONS}/{dirname}/"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while block := handle.read(_CHUNK):
            digest.update(block)
    return digest.hexdigest()


def publish_version(store: ObjectStore, directory: Path) -> Published:
    """Upload every file of a version directory, then ``published.json``. Raises
    ``ObjectExists`` when any of its objects is already in the store."""
    names = sorted(p.name for p in directory.iterdir() if p.is_file())
    if PUBLISHED in names:
        raise ValueError(f"{directory} holds a file named {PUBLISHED}, which the store reserves")
    prefix = version_prefix(directory.name)
    if store.exists(prefix + PUBLISHED):
        raise ObjectStoreError(
            f"index version {directory.name} is already published in {store.describe()}; "
            "versions are never overwritten"
        )
    started = time.perf_counter()
    files: dict[str, str] = {}
    sizes: dict[str, int] = {}
    for name in names:
        path = directory / name
        files[name] = _sha256(path)
        sizes[name] = path.stat().st_size
        store.put_file(prefix + name, path, if_absent=True)
    published = Published(directory.name, files, sizes, datetime.now(UTC).isoformat())
    store.put_bytes(prefix + PUBLISHED, published.to_json(), if_absent=True)
    log.info(
        "index_published",
        directory=directory.name,
        files=len(names),
        bytes=sum(sizes.values()),
        store=store.describe(),
        seconds=round(time.perf_counter() - started, 3),
    )
    return published


def read_published(store: ObjectStore, dirname: str) -> Published:
    try:
        raw = json.loads(store.get_bytes(version_prefix(dirname) + PUBLISHED))
        return Published(
            directory=str(raw["directory"]),
            files={str(k): str(v) for k, v in raw["files"].items()},
            sizes={str(k): int(v) for k, v in raw["sizes"].items()},
            published_at=str(raw["published_at"]),
        )
    except ObjectMissing as exc:
        raise VersionFetchError(
            f"index version {dirname} is not published in {store.describe()}"
        ) from exc
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise VersionFetchError(f"index version {dirname}: unreadable {PUBLISHED}: {exc}") from exc


def _check_name(dirname: str, name: str) -> None:
    if not name or "/" in name or "\\" in name or name in (".", "..") or name == PUBLISHED:
        raise VersionFetchError(f"index version {dirname}: {PUBLISHED} names a bad file {name!r}")


def _download(store: ObjectStore, published: Published, target: Path) -> None:
    dirname = published.directory
    prefix = version_prefix(dirname)
    for name, expected in sorted(published.files.items()):
        _check_name(dirname, name)
        path = target / name
        try:
            store.get_file(prefix + name, path)
        except ObjectStoreError as exc:
            raise VersionFetchError(f"index version {dirname}: {exc}") from exc
        if path.stat().st_size != published.sizes.get(name) or _sha256(path) != expected:
            raise VersionFetchError(
                f"index version {dirname}: {name} in {store.describe()} does not match "
                f"its checksum in {PUBLISHED}"
            )


def fetch_version(store: ObjectStore | None, directory: Path) -> Path:
    """``directory`` (``<index root>/v000007``), fetched from the store first when this host
    lacks it. Raises ``VersionFetchError`` (a ``CorruptIndexError``) for a version that is
    missing from the store or does not match its checksums; nothing is left behind."""
    if store is None or directory.exists():
        return directory
    dirname = directory.name
    with _refused_lock:
        earlier = _refused.get(directory)
    if earlier is not None and time.monotonic() - earlier[0] < RETRY_SECONDS:
        raise VersionFetchError(f"{earlier[1]} (refused less than {RETRY_SECONDS:.0f} s ago)")
    started = time.perf_counter()
    tmp = directory.parent / f".tmp-fetch-{dirname}-{uuid.uuid4().hex}"
    try:
        published = read_published(store, dirname)
        if published.directory != dirname:
            raise VersionFetchError(
                f"index version {dirname}: {PUBLISHED} names {published.directory}"
            )
        tmp.mkdir(parents=True)
        _download(store, published, tmp)
        try:
            tmp.rename(directory)
        except OSError:
            if not directory.exists():  # else a concurrent fetch put it there first
                raise
    except VersionFetchError as exc:
        metrics.INDEX_FETCHES.labels("refused").inc()
        log.error("index_fetch_refused", directory=dirname, store=store.describe(), error=str(exc))
        _remember(directory, str(exc))
        raise
    except ObjectStoreError as exc:
        metrics.INDEX_FETCHES.labels("failed").inc()
        log.error("index_fetch_failed", directory=dirname, store=store.describe(), error=str(exc))
        _remember(directory, f"index version {dirname}: {exc}")
        raise VersionFetchError(f"index version {dirname}: {exc}") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    with _refused_lock:
        _refused.pop(directory, None)
    seconds = time.perf_counter() - started
    metrics.INDEX_FETCHES.labels("fetched").inc()
    metrics.INDEX_FETCH_SECONDS.observe(seconds)
    log.info("index_fetched", directory=dirname, files=len(published.files), seconds=seconds)
    return directory


def _remember(directory: Path, reason: str) -> None:
    with _refused_lock:
        _refused[directory] = (time.monotonic(), reason)


def discard_version(store: ObjectStore | None, dirname: str) -> int:
    """Delete a version's objects, ``published.json`` first so it is never seen half
    deleted; returns how many were deleted."""
    if store is None:
        return 0
    prefix = version_prefix(dirname)
    keys = store.keys(prefix)
    if not keys:
        return 0
    first = [k for k in keys if k == prefix + PUBLISHED]
    if first:
        store.delete(first)
    rest = [k for k in keys if k != prefix + PUBLISHED]
    store.delete(rest)
    return len(keys)
