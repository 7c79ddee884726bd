"""The index version this process serves, and the versions it keeps loaded beside it.

Swapping is a single reference assignment: a request takes ``holder.current`` once and
keeps searching that version to the end, even if a new one is swapped in meanwhile.

Activations are ordered by their activation time in the database. A swap carries that
stamp and is refused when an activation at least as recent is already served, so the
served version never goes backwards when the API, the Redis message and the database
poll deliver activations out of order. The version served before the current one stays
loaded, so a rollback to it is a pointer switch.

A ready version built after the served one can be staged: loaded and verified ahead of
its activation (``knowledge.preload``), so activating it is a pointer switch too. At most
one version is staged, the newest; it is dropped once a version at least as new is served.
"""

from __future__ import annotations

import threading
from concurrent.futures import Future
from pathlib import Path

import anyio.to_thread

from apfa.core.objectstore import ObjectStore
from apfa.core.resources import Resource
from apfa.knowledge.index.remote import fetch_version
from apfa.knowledge.index.store import LoadedIndex, load_version


class IndexHolder:
    def __init__(self) -> None:
        self._current: LoadedIndex | None = None
        self._previous: LoadedIndex | None = None
        self._staged: LoadedIndex | None = None
        self._stamp = float("-inf")
        self._loading: dict[int, Future[LoadedIndex]] = {}
        self._lock = threading.Lock()

    @property
    def current(self) -> LoadedIndex | None:
        return self._current

    @property
    def staged(self) -> LoadedIndex | None:
        """The ready version loaded ahead of its activation, if any."""
        return self._staged

    @property
    def stamp(self) -> float:
        """Activation time (epoch seconds) of the served version; -inf when unknown."""
        return self._stamp

    def loaded(self, version: int) -> LoadedIndex | None:
        """The served, previously served or staged version with this number, if in memory."""
        for candidate in (self._current, self._previous, self._staged):
            if candidate is not None and candidate.version == version:
                return candidate
        return None

    def held_versions(self) -> tuple[int, ...]:
        """Every version in memory: served, previously served and staged."""
        return tuple(
            sorted(
                {v.version for v in (self._current, self._previous, self._staged) if v is not None}
            )
        )

    def loading_versions(self) -> tuple[int, ...]:
        """Versions being read from disk right now."""
        with self._lock:
            return tuple(sorted(self._loading))

    def swap(self, new: LoadedIndex | None, stamp: float | None = None) -> LoadedIndex | None:
        """Serve ``new`` from now on, unconditionally; returns the version it replaced.

        Without ``stamp`` the served activation time is kept."""
        with self._lock:
            old = self._serve(new)
            if stamp is not None:
                self._stamp = stamp
        return old

    def swap_if_newer(self, new: LoadedIndex, stamp: float) -> bool:
        """Serve ``new`` if its activation is more recent than the served one's."""
        with self._lock:
            if stamp <= self._stamp:
                return False
            self._serve(new)
            self._stamp = stamp
        return True

    def stage(self, ready: LoadedIndex) -> bool:
        """Keep ``ready`` loaded for its activation to come. Refused when it is already in
        memory, not newer than the served version, or older than the staged one."""
        with self._lock:
            if self.loaded(ready.version) is not None:
                return False
            if self._current is not None and ready.version <= self._current.version:
                return False
            if self._staged is not None and ready.version < self._staged.version:
                return False
            self._staged = ready
        return True

    def load(self, version: int, directory: Path, store: ObjectStore | None = None) -> LoadedIndex:
        """The version in memory, or loaded and verified from ``directory`` (fetched from
        ``store`` first when this host lacks it). Blocking: run it in a worker thread.
        Concurrent calls for one version share a single load, so an activation arriving
        while that version is being staged waits for it."""
        with self._lock:
            held = self.loaded(version)
            if held is not None:
                return held
            pending = self._loading.get(version)
            owner = pending is None
            if pending is None:
                pending = self._loading[version] = Future()
        if not owner:
            return pending.result()
        try:
            loaded = load_version(fetch_version(store, directory))
        except BaseException as exc:
            pending.set_exception(exc)
            raise
        else:
            pending.set_result(loaded)
        finally:
            with self._lock:
                del self._loading[version]
        return loaded

    def _serve(self, new: LoadedIndex | None) -> LoadedIndex | None:
        """Under the lock: make ``new`` current, keep the one it replaces for a rollback."""
        old, self._current = self._current, new
        if old is not None and old is not new:
            self._previous = old
        staged = self._staged
        if staged is not None and new is not None and staged.version <= new.version:
            self._staged = None
        return old


INDEX_HOLDER = Resource[IndexHolder]("index holder")


async def obtain(
    holder: IndexHolder | None, version: int, directory: Path, store: ObjectStore | None = None
) -> LoadedIndex:
    """``version`` from memory when ``holder`` has it, else loaded off the event loop
    (fetched from ``store`` first when this host lacks it)."""
    if holder is None:
        return await anyio.to_thread.run_sync(lambda: load_version(fetch_version(store, directory)))
    held = holder.loaded(version)
    if held is not None:
        return held
    return await anyio.to_thread.run_sync(holder.load, version, directory, store)
