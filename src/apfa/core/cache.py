"""In-process TTL cache with namespaced keys ``{namespace}:{type}:{id}``.

Each type has its own TTL. The event loop is the only caller, so no lock is needed.
"""

from __future__ import annotations

from typing import Any

from cachetools import TTLCache


class LocalCache:
    def __init__(self, namespace: str, *, maxsize: int, ttls: dict[str, float]) -> None:
        self._namespace = namespace
        self._stores: dict[str, TTLCache[str, Any]] = {
            kind: TTLCache(maxsize=max(maxsize, 1), ttl=ttl)
            for kind, ttl in ttls.items()
            if ttl > 0
        }

    def key(self, kind: str, ident: str) -> str:
        return f"{self._namespace}:{kind}:{ident}"

    def get(self, kind: str, ident: str) -> Any | None:
        store = self._stores.get(kind)
        return None if store is None else store.get(self.key(kind, ident))

    def set(self, kind: str, ident: str, value: Any) -> None:
        store = self._stores.get(kind)
        if store is not None:
            store[self.key(kind, ident)] = value

    def clear(self) -> None:
        for store in self._stores.values():
            store.clear()
