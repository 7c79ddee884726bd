"""term_comparison, balance_after and points_break_even against exact-fraction references."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.terms import balance_after, points_break_even, term_comparison
from finance.reference import annuity, dec, frac, half_up, schedule

rates = st.integers(0, 15_000).map(lambda r: Decimal(r) / 1000)


def test_15_against_30_years_worked_example() -> None:
    result = term_comparison(300_000, [(6.5, 360), (5.75, 180)])
    thirty, fifteen = result.options
    assert thirty.monthly_payment == Decimal("1896.20")
    assert fifteen.monthly_payment == Decimal("2491.23")
    assert thirty.total_interest == Decimal("382636.71")
    assert fifteen.total_interest == Decimal("148421.55")
    assert fifteen.payment_difference == Decimal("595.03")
    assert fifteen.interest_difference == Decimal("-234215.16")
    assert thirty.payment_difference == thirty.interest_difference == 0
    # Second method: the same convention in exact fractions.
    rows = schedule(300_000, "5.75", 180)
    assert fifteen.total_interest == dec(sum((r[1] for r in rows), Fraction(0)))
    assert fifteen.total_paid == dec(sum((r[0] for r in rows), Fraction(0)))


def test_auto_loan_60_against_84_months() -> None:
    result = term_comparison(30_000, [(6.9, 60), (7.4, 84)])
    short, long = result.options
    assert short.monthly_payment == dec(half_up(annuity(frac(30_000), frac("6.9"), 60)))
    assert long.monthly_payment < short.monthly_payment
    assert long.total_interest > short.total_interest
    assert long.total_paid_difference == long.total_paid - short.total_paid


def test_term_comparison_needs_an_option() -> None:
    with pytest.raises(ValueError, match="options"):
        term_comparison(1000, [])


def test_balance_after_worked_example_and_ends() -> None:
    assert balance_after(200_000, 6, 360, 60) == Decimal("186108.80")
    assert balance_after(200_000, 6, 360, 0) == Decimal("200000.00")
    assert balance_after(200_000, 6, 360, 360) == 0
    assert balance_after(200_000, 6, 360, 500) == 0
    with pytest.raises(ValueError, match="payments_made"):
        balance_after(200_000, 6, 360, -1)


@settings(max_examples=100, deadline=None)
@given(
    principal=st.integers(1_000, 1_000_000),
    rate=rates,
    term=st.integers(12, 360),
    made=st.integers(0, 360),
)
def test_balance_after_is_within_the_rounding_bound_of_the_closed_formula(
    principal: int, rate: Decimal, term: int, made: int
) -> None:
    """B_n = P(1+r)^n - A((1+r)^n - 1)/r for the rounded payment A; each month's interest is
    rounded by at most half a cent, and those errors compound: |error| <= 0.005 * s_n."""
    made = min(made, term - 1)
    got = Fraction(str(balance_after(principal, rate, term, made)))
    r = frac(rate) / 1200
    payment = half_up(annuity(frac(principal), frac(rate), term))
    growth = (1 + r) ** made
    annuity_factor = (growth - 1) / r if r else Fraction(made)
    closed = frac(principal) * growth - payment * annuity_factor
    assert abs(got - closed) <= Fraction(1, 200) * annuity_factor + Fraction(1, 10**9)


def test_points_worked_example() -> None:
    result = points_break_even(400_000, 360, 6.75, 6.25, 2, horizon_months=120)
    assert result.points_cost == Decimal("8000.00")
    assert result.payment_without == Decimal("2594.39")
    assert result.payment_with == Decimal("2462.87")
    assert result.monthly_saving == Decimal("131.52")
    assert result.break_even_months == 61
    assert result.net_savings == Decimal("131.52") * 120 - 8000


def test_points_that_do_not_lower_the_payment_never_break_even() -> None:
    result = points_break_even(200_000, 360, 6, 6, 1, horizon_months=60)
    assert result.break_even_months is None
    assert result.net_savings == Decimal("-2000.00")


@settings(max_examples=150, deadline=None)
@given(
    loan=st.integers(10_000, 2_000_000),
    rate=st.integers(1_000, 12_000).map(lambda r: Decimal(r) / 1000),
    cut=st.integers(1, 1_000).map(lambda c: Decimal(c) / 1000),
    points=st.integers(1, 400).map(lambda p: Decimal(p) / 100),
    term=st.sampled_from([120, 180, 240, 360]),
)
def test_break_even_is_the_first_month_the_savings_cover_the_cost(
    loan: int, rate: Decimal, cut: Decimal, points: Decimal, term: int
) -> None:
    result = points_break_even(loan, term, rate, rate - cut, points)
    if result.monthly_saving <= 0:
        assert result.break_even_months is None
        return
    months = result.break_even_months
    assert months is not None
    assert months * result.monthly_saving >= result.points_cost
    assert (months - 1) * result.monthly_saving < result.points_cost
