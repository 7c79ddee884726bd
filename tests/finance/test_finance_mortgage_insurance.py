"""FHA annual MIP (grid, duration, HUD's monthly method) and PMI removal."""

from __future__ import annotations

import itertools
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.mortgage_insurance import (
    fha_annual_mip_rate,
    fha_average_balance,
    fha_mip_by_year,
    fha_mip_months,
    fha_monthly_mip,
    fha_monthly_mip_from_average,
    pmi_removal,
)
from finance.reference import frac, half_up, schedule


@pytest.mark.parametrize(
    ("base", "ltv", "months", "bps"),
    [
        (300_000, "0.965", 360, 55),
        (300_000, "0.95", 360, 50),
        (300_000, "0.90", 360, 50),
        (726_200, "0.9501", 360, 55),
        (726_201, "0.9501", 360, 75),
        (800_000, "0.80", 360, 70),
        (300_000, "0.90", 180, 15),
        (300_000, "0.9001", 180, 40),
        (800_000, "0.78", 180, 15),
        (800_000, "0.85", 180, 40),
        (800_000, "0.95", 180, 65),
        (300_000, "0.96", 181, 55),
        (300_000, "0", 360, 50),
    ],
)
def test_annual_mip_grid_of_ml_2023_05(base: int, ltv: str, months: int, bps: int) -> None:
    assert fha_annual_mip_rate(base, Decimal(ltv), months) == Decimal(bps) / 10_000


def test_mip_duration_of_ml_2013_04() -> None:
    assert fha_mip_months(Decimal("0.90"), 360) == 132
    assert fha_mip_months(Decimal("0.9001"), 360) == 360
    assert fha_mip_months(Decimal("0.85"), 120) == 120


def test_hud_published_example_for_steps_2_to_4() -> None:
    # hud.gov "Monthly (Periodic) Mortgage Insurance Premium Calculation".
    monthly = fha_monthly_mip_from_average(Decimal("106160.654166666666"), "0.005", "0.0225")
    assert monthly == Decimal("43.26")
    assert fha_monthly_mip_from_average(Decimal("106160.654166666666"), "0.005", None) == Decimal(
        "44.23"
    )  # 530.80 / 12


def _hud_average(loan: Fraction, pct: Fraction, months: int, year: int) -> Fraction:
    """HUD's step-by-step text, in fractions."""
    r = pct / 1200
    payment = half_up(loan * r / (1 - 1 / (1 + r) ** months))
    balance, seen = half_up(loan), []
    for _ in range(12 * year):
        seen.append(balance)
        balance = balance + half_up(half_up(balance * pct) / 1200) - payment
    return sum(seen[-12:], Fraction(0)) / 12


@pytest.mark.parametrize("year", [1, 2, 10])
def test_average_balance_follows_hud_text(year: int) -> None:
    loan = Decimal("294566.25")
    got = fha_average_balance(loan, Decimal("6.5"), 360, year)
    want = _hud_average(frac(loan), frac("6.5"), 360, year)
    assert abs(Fraction(str(got)) - want) < Fraction(1, 10**20)


def test_monthly_mip_worked_example_and_decline() -> None:
    loan = Decimal("294566.25")  # 289,500 base + 1.75% financed
    assert fha_monthly_mip(loan, 6.5, 360, "0.0055") == Decimal("132.02")
    by_year = fha_mip_by_year(loan, 6.5, 360, "0.0055", 360)
    assert len(by_year) == 30
    assert by_year[0] == Decimal("132.02")
    assert by_year[1] == fha_monthly_mip(loan, 6.5, 360, "0.0055", year=2) == Decimal("130.49")
    assert all(a >= b for a, b in itertools.pairwise(by_year))
    # Close to the simple estimate on the base loan (the 1.75% division undoes the financing).
    assert abs(by_year[0] - Decimal(289_500) * Decimal("0.0055") / 12) < 2


def test_pmi_removal_worked_example() -> None:
    plain = pmi_removal(285_000, 6.5, 360, 300_000)
    assert plain.cancel_request_balance == Decimal("240000.00")
    assert plain.automatic_termination_balance == Decimal("234000.00")
    assert plain.request_month == plain.scheduled_request_month == 124
    assert plain.automatic_termination_month == 135
    assert plain.final_termination_month == 180
    extra = pmi_removal(285_000, 6.5, 360, 300_000, extra_monthly=200)
    assert extra.request_month == 80
    assert extra.automatic_termination_month == 135  # extra payments do not advance it
    # Second method: the schedule in exact fractions.
    rows = schedule(285_000, "6.5", 360)
    assert rows[123][2] <= 240_000 < rows[122][2]
    assert rows[134][2] <= 234_000 < rows[133][2]


def test_pmi_removal_at_or_below_80_percent_is_immediate() -> None:
    result = pmi_removal(240_000, 6, 360, 300_000)
    assert result.request_month == 0
    assert result.automatic_termination_month == 24
    rows = schedule(240_000, 6, 360)
    assert rows[23][2] <= 234_000 < rows[22][2]
    assert pmi_removal(234_000, 6, 360, 300_000).automatic_termination_month == 0


def test_high_rates_hit_the_midpoint_first() -> None:
    result = pmi_removal(291_000, 12, 360, 300_000)
    assert result.automatic_termination_month == 180


@settings(max_examples=80, deadline=None)
@given(
    ltv=st.integers(81, 97),
    rate=st.integers(2_000, 9_000).map(lambda r: Decimal(r) / 1000),
    extra=st.integers(0, 1_000),
)
def test_request_comes_no_later_than_termination_and_extra_only_helps(
    ltv: int, rate: Decimal, extra: int
) -> None:
    loan = Decimal(400_000) * ltv / 100
    result = pmi_removal(loan, rate, 360, 400_000, extra)
    assert result.request_month <= result.scheduled_request_month
    assert result.scheduled_request_month <= result.automatic_termination_month or (
        result.automatic_termination_month == result.final_termination_month
    )
    assert result.automatic_termination_month <= result.final_termination_month
