"""Typed process resources: what ``lifespan`` builds once and routes, jobs and checks use.

A ``Resource[T]`` is a typed key that the package owning ``T`` declares next to it
(``INDEX_HOLDER = Resource[IndexHolder]("index holder")`` in ``knowledge``); the front
door provides a value for it at start-up, and readers get a ``T`` back with no cast. Keys
rather than one state class, so ``core`` imports no domain and each domain names only what
it owns. The same ``Resources`` object is handed to the job runtime of the process, so a
job sees this process's objects (``find`` answers None in a worker that has none).
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar, cast

from starlette.requests import HTTPConnection

T = TypeVar("T")

STATE_ATTRIBUTE = "resources"


class Resource(Generic[T]):
    """A typed key; compared by identity, named for error messages."""

    __slots__ = ("name",)

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Resource({self.name!r})"

    def of(self, where: HTTPConnection | Any) -> T:
        """The value in ``where``: an app, or a request (or websocket) of one."""
        return resources_of(_app(where)).get(self)

    def find_in(self, where: HTTPConnection | Any) -> T | None:
        """Like ``of``, but None when nothing was provided."""
        return resources_of(_app(where)).find(self)


class MissingResource(LookupError):
    """Nothing was provided for a key: a wiring mistake of the front door."""


class Resources:
    def __init__(self) -> None:
        self._values: dict[Resource[Any], object] = {}

    def provide(self, key: Resource[T], value: T) -> T:
        self._values[key] = value
        return value

    def get(self, key: Resource[T]) -> T:
        try:
            return cast(T, self._values[key])
        except KeyError:
            raise MissingResource(f"no {key.name} was provided to this process") from None

    def find(self, key: Resource[T]) -> T | None:
        return cast(T | None, self._values.get(key))

    def withdraw(self, key: Resource[Any]) -> None:
        self._values.pop(key, None)

    def __contains__(self, key: Resource[Any]) -> bool:
        return key in self._values


def _app(where: HTTPConnection | Any) -> Any:
    return where.app if isinstance(where, HTTPConnection) else where


def resources_of(app: Any) -> Resources:
    """The ``Resources`` attached to ``app`` (made on first use)."""
    state = app.state
    found = getattr(state, STATE_ATTRIBUTE, None)
    if found is None:
        found = Resources()
        setattr(state, STATE_ATTRIBUTE, found)
    return cast(Resources, found)
