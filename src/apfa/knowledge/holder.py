"""The index version this process serves.

Swapping is a single reference assignment: a request takes ``holder.current`` once and
keeps searching that version to the end, even if a new one is swapped in meanwhile.
"""

from __future__ import annotations

import threading

from apfa.knowledge.index_store import LoadedIndex


class IndexHolder:
    def __init__(self) -> None:
        self._current: LoadedIndex | None = None
        self._lock = threading.Lock()

    @property
    def current(self) -> LoadedIndex | None:
        return self._current

    def swap(self, new: LoadedIndex | None) -> LoadedIndex | None:
        """Serve ``new`` from now on; returns the version it replaced."""
        with self._lock:
            old, self._current = self._current, new
        return old
