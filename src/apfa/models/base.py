"""Declarative base and column types shared by every table."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, DateTime, MetaData
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite drops the offset)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.astimezone(UTC)

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        assert isinstance(value, datetime)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


DECIMAL_TAG = "$decimal"


def to_json(value: object) -> Any:
    """``value`` as JSON data that keeps every ``Decimal`` exactly: a ``Decimal`` becomes
    ``{"$decimal": "6.50"}`` (its text, exponent included); lists and string-keyed dicts are
    walked. Anything else that JSON cannot hold is a ``TypeError``."""
    if isinstance(value, Decimal):
        return {DECIMAL_TAG: str(value)}
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, list | tuple):
        return [to_json(item) for item in value]
    if isinstance(value, Mapping):
        if any(not isinstance(key, str) or key.startswith("$") for key in value):
            raise TypeError("keys must be strings that do not start with '$'")
        return {key: to_json(item) for key, item in value.items()}
    raise TypeError(f"cannot store {type(value).__name__} as JSON")


def from_json(data: Any) -> Any:
    """The value ``to_json`` made ``data`` from."""
    if isinstance(data, list):
        return [from_json(item) for item in data]
    if isinstance(data, dict):
        if data.keys() == {DECIMAL_TAG}:
            return Decimal(data[DECIMAL_TAG])
        return {key: from_json(item) for key, item in data.items()}
    return data


class ExactJSON(TypeDecorator[dict[str, Any]]):
    """A JSON object whose ``Decimal`` values (in lists and nested objects too) come back
    as the same ``Decimal``: JSON numbers would come back as floats (``to_json``)."""

    impl = JSON
    cache_ok = True

    def process_bind_param(
        self, value: dict[str, Any] | None, dialect: Dialect
    ) -> dict[str, Any] | None:
        return None if value is None else to_json(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> dict[str, Any] | None:
        return None if value is None else from_json(value)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
