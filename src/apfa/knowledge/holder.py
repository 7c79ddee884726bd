"""The index version this process serves.

Swapping is a single reference assignment: a request takes ``holder.current`` once and
keeps searching that version to the end, even if a new one is swapped in meanwhile.

Activations are ordered by their activation time in the database. A swap carries that
stamp and is refused when an activation at least as recent is already served, so the
served version never goes backwards when the API, the Redis message and the database
poll deliver activations out of order. The version served before the current one stays
loaded, so a rollback to it is a pointer switch.
"""

from __future__ import annotations

import threading

from apfa.knowledge.index_store import LoadedIndex


class IndexHolder:
    def __init__(self) -> None:
        self._current: LoadedIndex | None = None
        self._previous: LoadedIndex | None = None
        self._stamp = float("-inf")
        self._lock = threading.Lock()

    @property
    def current(self) -> LoadedIndex | None:
        return self._current

    @property
    def stamp(self) -> float:
        """Activation time (epoch seconds) of the served version; -inf when unknown."""
        return self._stamp

    def loaded(self, version: int) -> LoadedIndex | None:
        """The served or previously served version with this number, if still in memory."""
        for candidate in (self._current, self._previous):
            if candidate is not None and candidate.version == version:
                return candidate
        return None

    def swap(self, new: LoadedIndex | None, stamp: float | None = None) -> LoadedIndex | None:
        """Serve ``new`` from now on, unconditionally; returns the version it replaced.

        Without ``stamp`` the served activation time is kept."""
        with self._lock:
            old, self._current = self._current, new
            if old is not None and old is not new:
                self._previous = old
            if stamp is not None:
                self._stamp = stamp
        return old

    def swap_if_newer(self, new: LoadedIndex, stamp: float) -> bool:
        """Serve ``new`` if its activation is more recent than the served one's."""
        with self._lock:
            if stamp <= self._stamp:
                return False
            old, self._current = self._current, new
            if old is not None and old is not new:
                self._previous = old
            self._stamp = stamp
        return True
