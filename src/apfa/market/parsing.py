"""The upstream formats, parsed: FRED's ``series/observations`` JSON, the Treasury's daily
par yield curve as its Atom/XML feed or its CSV download, and 12-month CPI inflation.

Pure functions over bytes; a body that is not the documented format raises
``FormatError`` (the fetch is then not retried: the same body would come back).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from xml.etree.ElementTree import ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from apfa.market.series import INFLATION, TREASURY_CSV_COLUMNS, TREASURY_FIELDS

# FRED writes a missing observation (a holiday, a series not yet published) as ".".
FRED_MISSING = "."
ATOM = "{http://www.w3.org/2005/Atom}"
DATA = "{http://schemas.microsoft.com/ado/2007/08/dataservices}"
META = "{http://schemas.microsoft.com/ado/2007/08/dataservices/metadata}"
HUNDREDTH = Decimal("0.01")


class FormatError(ValueError):
    """An upstream body that is not in the format its source documents."""


@dataclass(frozen=True, slots=True)
class Point:
    series_id: str
    observation_date: date
    value: Decimal


def _decimal(text: str, where: str) -> Decimal:
    try:
        value = Decimal(text.strip())
    except InvalidOperation as exc:
        raise FormatError(f"{where}: {text!r} is not a number") from exc
    if not value.is_finite():
        raise FormatError(f"{where}: {text!r} is not a finite number")
    return value


def _date(text: str, where: str, fmt: str = "%Y-%m-%d") -> date:
    try:
        return datetime.strptime(text.strip(), fmt).date()
    except ValueError as exc:
        raise FormatError(f"{where}: {text!r} is not a date ({fmt})") from exc


def parse_fred(series_id: str, body: bytes) -> list[Point]:
    """``/fred/series/observations?file_type=json``: ``{"observations": [{"date":
    "2026-11-26", "value": "6.23", ...}, ...]}``; "." values are skipped."""
    try:
        payload = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise FormatError(f"FRED {series_id}: the body is not JSON") from exc
    observations = payload.get("observations") if isinstance(payload, dict) else None
    if not isinstance(observations, list):
        raise FormatError(f"FRED {series_id}: no 'observations' list")
    points: list[Point] = []
    for row in observations:
        if not isinstance(row, dict) or not isinstance(row.get("value"), str):
            raise FormatError(f"FRED {series_id}: an observation without a value")
        if row["value"].strip() == FRED_MISSING:
            continue
        when = _date(str(row.get("date", "")), f"FRED {series_id}")
        points.append(Point(series_id, when, _decimal(row["value"], f"FRED {series_id}")))
    return points


def parse_treasury_xml(body: bytes) -> list[Point]:
    """The daily par yield curve feed (``pages/xml?data=daily_treasury_yield_curve``): an
    Atom feed whose entries hold ``m:properties`` with ``d:NEW_DATE`` (``2026-11-28T00:00:00``)
    and one ``d:BC_<n>YEAR`` element per maturity; an empty element is a missing rate."""
    try:
        root = fromstring(body)
    except (ParseError, DefusedXmlException) as exc:
        raise FormatError(f"Treasury XML: {exc}") from exc
    if root.tag != f"{ATOM}feed":
        raise FormatError("Treasury XML: the document is not an Atom feed")
    points: list[Point] = []
    for properties in root.iter(f"{META}properties"):
        stamp = properties.findtext(f"{DATA}NEW_DATE")
        if not stamp:
            raise FormatError("Treasury XML: an entry without NEW_DATE")
        when = _date(stamp[:10], "Treasury XML NEW_DATE")
        for field, series_id in TREASURY_FIELDS.items():
            text = properties.findtext(f"{DATA}{field}")
            if text and text.strip():
                points.append(Point(series_id, when, _decimal(text, f"Treasury XML {field}")))
    return points


def parse_treasury_csv(body: bytes) -> list[Point]:
    """The CSV download (``daily-treasury-rates.csv/all/<yyyymm>?...&_format=csv``): a
    ``Date`` column in MM/DD/YYYY and one column per maturity (``"2 Yr"``, ``"10 Yr"``)."""
    try:
        text = body.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError("Treasury CSV: the body is not UTF-8") from exc
    reader = csv.DictReader(io.StringIO(text))
    columns = reader.fieldnames or []
    if "Date" not in columns:
        raise FormatError("Treasury CSV: no Date column")
    points: list[Point] = []
    for row in reader:
        when = _date(row["Date"], "Treasury CSV Date", "%m/%d/%Y")
        for column, series_id in TREASURY_CSV_COLUMNS.items():
            cell = (row.get(column) or "").strip()
            if cell and cell.upper() != "N/A":
                points.append(Point(series_id, when, _decimal(cell, f"Treasury CSV {column}")))
    return points


def inflation_12m(cpi: Iterable[Point]) -> list[Point]:
    """Inflation over 12 months, in percent to two places, for each month whose CPI and
    the CPI twelve months before are both known: (CPI_m / CPI_m-12 - 1) x 100."""
    by_month = {(p.observation_date.year, p.observation_date.month): p for p in cpi}
    points: list[Point] = []
    for (year, month), point in sorted(by_month.items()):
        before = by_month.get((year - 1, month))
        if before is None or before.value == 0:
            continue
        rate = ((point.value / before.value - 1) * 100).quantize(HUNDREDTH, ROUND_HALF_UP)
        points.append(Point(INFLATION, point.observation_date, rate))
    return points


def newest(points: Sequence[Point]) -> date | None:
    return max((p.observation_date for p in points), default=None)
