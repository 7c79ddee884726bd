"""Upstream bodies for the stub, dated back from a given day so staleness is known.

Every FRED series of the catalogue gets observations in FRED's shape: daily series on
the last ten weekdays (with a "." on one of them, as FRED writes holidays), the weekly
mortgage averages on the last four Thursdays, the monthly ones on the first of each of
the last fourteen months (CPI rising 0.25% a month, so its 12-month inflation is known
exactly: 1.0025 ** 12 - 1).
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from market_upstream import Upstream, fred_body, treasury_csv, treasury_xml

DAILY = {"DFF": "4.33", "DPRIME": "7.50", "SOFR": "4.31", "DGS2": "3.97", "DGS10": "4.21"}
WEEKLY = {"MORTGAGE30US": "6.12", "MORTGAGE15US": "5.25"}
UNRATE = "4.1"
CPI_START = Decimal("310.000")
CPI_STEP = Decimal("1.0025")
TREASURY = ("3.98", "4.22")


def weekdays(today: date, count: int) -> list[date]:
    days: list[date] = []
    day = today - timedelta(days=1)
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return sorted(days)


def thursdays(today: date, count: int) -> list[date]:
    day = today - timedelta(days=(today.weekday() - 3) % 7 or 7)
    return sorted(day - timedelta(weeks=n) for n in range(count))


def months(today: date, count: int) -> list[date]:
    first = today.replace(day=1)
    found = []
    for _ in range(count):
        first = (first - timedelta(days=1)).replace(day=1)
        found.append(first)
    return sorted(found)


def cpi_rows(today: date) -> list[tuple[date, str]]:
    value = CPI_START
    rows = []
    for month in months(today, 14):
        rows.append((month, f"{value:.3f}"))
        value *= CPI_STEP
    return rows


def fred_bodies(today: date) -> dict[str, bytes]:
    bodies: dict[str, bytes] = {}
    for series, value in DAILY.items():
        days = weekdays(today, 10)
        rows = [(d, "." if n == 3 else value) for n, d in enumerate(days)]
        bodies[series] = fred_body(series, rows)
    for series, value in WEEKLY.items():
        bodies[series] = fred_body(series, [(d, value) for d in thursdays(today, 4)])
    bodies["CPIAUCSL"] = fred_body("CPIAUCSL", cpi_rows(today))
    bodies["UNRATE"] = fred_body("UNRATE", [(m, UNRATE) for m in months(today, 3)])
    return bodies


def treasury_rows(today: date) -> list[tuple[date, str, str]]:
    return [(d, *TREASURY) for d in weekdays(today, 5)]


def upstream(today: date, *, csv: bool = False) -> Upstream:
    rows = treasury_rows(today)
    if csv:
        return Upstream(fred_bodies(today), treasury_csv(rows), "text/csv")
    return Upstream(fred_bodies(today), treasury_xml(rows))
