"""The upstream formats: FRED's observations JSON ("." is missing), the Treasury's par
yield curve as Atom/XML and CSV, 12-month CPI inflation; bodies in any other shape are
refused with a clear error."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from apfa.market.parsing import (
    FormatError,
    Point,
    inflation_12m,
    parse_fred,
    parse_treasury_csv,
    parse_treasury_xml,
)
from apfa.market.series import catalogue, fred_series
from market_upstream import fred_body, treasury_csv, treasury_xml

D1, D2, D3 = date(2026, 11, 25), date(2026, 11, 26), date(2026, 11, 27)


def test_fred_observations_skip_missing_values() -> None:
    body = fred_body("DFF", [(D1, "4.33"), (D2, "."), (D3, "4.34")])
    assert parse_fred("DFF", body) == [
        Point("DFF", D1, Decimal("4.33")),
        Point("DFF", D3, Decimal("4.34")),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<html>not json</html>",
        b'{"error_code": 400}',
        b'{"observations": [{"date": "2026-11-25"}]}',
        b'{"observations": [{"date": "25/11/2026", "value": "4.33"}]}',
        b'{"observations": [{"date": "2026-11-25", "value": "NaN"}]}',
        b'{"observations": [{"date": "2026-11-25", "value": "abc"}]}',
    ],
)
def test_fred_bodies_in_another_shape_are_refused(body: bytes) -> None:
    with pytest.raises(FormatError, match="FRED DFF"):
        parse_fred("DFF", body)


def test_treasury_xml_gives_the_2_and_10_year_yields_and_skips_missing_ones() -> None:
    body = treasury_xml([(D1, "3.98", "4.22"), (D2, "", "4.25")])
    assert parse_treasury_xml(body) == [
        Point("DGS2", D1, Decimal("3.98")),
        Point("DGS10", D1, Decimal("4.22")),
        Point("DGS10", D2, Decimal("4.25")),
    ]


@pytest.mark.parametrize(
    "body",
    [
        b"<feed><entry>unclosed",
        b'<?xml version="1.0"?><rss></rss>',
        b'<!DOCTYPE x [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><x>&b;</x>',
    ],
)
def test_treasury_xml_that_is_not_the_feed_is_refused(body: bytes) -> None:
    with pytest.raises(FormatError, match="Treasury XML"):
        parse_treasury_xml(body)


def test_treasury_csv_reads_dates_and_the_2_and_10_year_columns() -> None:
    body = treasury_csv([(D1, "3.98", "4.22"), (D2, "N/A", "4.25")])
    assert sorted(parse_treasury_csv(body), key=lambda p: (p.observation_date, p.series_id)) == [
        Point("DGS10", D1, Decimal("4.22")),
        Point("DGS2", D1, Decimal("3.98")),
        Point("DGS10", D2, Decimal("4.25")),
    ]


def test_treasury_csv_without_a_date_column_is_refused() -> None:
    with pytest.raises(FormatError, match="no Date column"):
        parse_treasury_csv(b"when,2 Yr\n11/25/2026,3.98\n")


def test_inflation_is_the_change_over_twelve_months() -> None:
    cpi = [
        Point("CPIAUCSL", date(2025, 10, 1), Decimal("320.000")),
        Point("CPIAUCSL", date(2025, 11, 1), Decimal("321.000")),
        Point("CPIAUCSL", date(2026, 10, 1), Decimal("328.960")),
    ]
    # Only October 2026 has the month twelve before it: 328.96 / 320 - 1 = 2.80%.
    assert inflation_12m(cpi) == [Point("CPI_INFLATION_12M", date(2026, 10, 1), Decimal("2.80"))]


def test_the_catalogue_names_every_series_asked_for() -> None:
    assert set(fred_series()) == {
        "MORTGAGE30US",
        "MORTGAGE15US",
        "DFF",
        "DPRIME",
        "DGS2",
        "DGS10",
        "SOFR",
        "CPIAUCSL",
        "UNRATE",
    }
    assert catalogue()["CPI_INFLATION_12M"].sources == ("computed",)
