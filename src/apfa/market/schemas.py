from __future__ import annotations

from pydantic import BaseModel, Field


class SeriesStatus(BaseModel):
    series_id: str
    title: str
    publisher: str
    frequency: str
    unit: str
    value: float | None = Field(description="the latest stored value; null when none is stored")
    observation_date: str | None
    source: str | None = Field(description="fred, treasury or computed; null when none stored")
    fetched_at: str | None
    age_days: int | None
    max_age_days: int
    stale: bool = Field(description="the latest observation is older than max_age_days")
    bundled_fallback: str | None = Field(
        description="what answers use instead when nothing is stored: the bundled table's "
        "range for the series and its date, or null when the table has none"
    )


class MarketStatus(BaseModel):
    configured: bool = Field(description="a FRED API key is set, so the daily fetch runs")
    bundled_table_as_of: str
    rate_table: str = Field(description="where default interest rates come from now")
    stale: list[str]
    items: list[SeriesStatus]


class MarketFetchAccepted(BaseModel):
    job_id: str
    state: str
