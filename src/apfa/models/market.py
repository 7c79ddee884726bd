"""Market figures fetched from public sources (``apfa.market``): one row per series, source
and observation date."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, Numeric, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from apfa.models.base import Base, UTCDateTime, utcnow


class MarketObservation(Base):
    """A series' value on its observation date as ``source`` published it, and when it was
    fetched. Fetching the same observation again updates it in place (sources revise)."""

    __tablename__ = "market_observations"
    __table_args__ = (
        UniqueConstraint(
            "series_id", "source", "observation_date", name="uq_market_observations_point"
        ),
        Index("ix_market_observations_latest", "series_id", "observation_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    series_id: Mapped[str] = mapped_column(String(32))
    source: Mapped[str] = mapped_column(String(16))
    observation_date: Mapped[date] = mapped_column(Date)
    value: Mapped[Decimal] = mapped_column(Numeric(12, 4))
    fetched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
