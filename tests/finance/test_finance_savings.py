"""emergency_fund, future_value, employer_match and pay_off_or_invest."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.savings import emergency_fund, employer_match, future_value, pay_off_or_invest
from finance.reference import dec, frac, half_up


def test_emergency_fund_worked_example() -> None:
    fund = emergency_fund(3_200, (3, 6), saved=4_000, monthly_deposit=500)
    three, six = fund.targets
    assert (three.target, three.shortfall, three.months_to_reach) == (
        Decimal("9600.00"),
        Decimal("5600.00"),
        12,
    )
    assert (six.target, six.shortfall, six.months_to_reach) == (
        Decimal("19200.00"),
        Decimal("15200.00"),
        31,
    )


def test_emergency_fund_already_there_and_without_a_deposit() -> None:
    fund = emergency_fund(1_000, (3,), saved=5_000)
    assert fund.targets[0].shortfall == 0
    assert fund.targets[0].months_to_reach == 0
    assert emergency_fund(1_000, (3,)).targets[0].months_to_reach is None
    with pytest.raises(ValueError, match="months_options"):
        emergency_fund(1_000, (0,))


@settings(max_examples=150, deadline=None)
@given(
    expenses=st.integers(1, 2_000_000).map(lambda c: Decimal(c) / 100),
    saved=st.integers(0, 5_000_000).map(lambda c: Decimal(c) / 100),
    deposit=st.integers(1, 500_000).map(lambda c: Decimal(c) / 100),
    months=st.integers(1, 12),
)
def test_months_to_reach_is_the_first_month_the_deposits_cover_the_gap(
    expenses: Decimal, saved: Decimal, deposit: Decimal, months: int
) -> None:
    target = emergency_fund(expenses, (months,), saved, deposit).targets[0]
    n = target.months_to_reach
    assert n is not None
    assert saved + n * deposit >= target.target
    if n > 0:
        assert saved + (n - 1) * deposit < target.target


def _month_by_month(present: object, contribution: object, rate: object, months: int) -> Fraction:
    r = frac(rate) / 1200
    balance = frac(present)
    for _ in range(months):
        balance = balance * (1 + r) + frac(contribution)
    return balance


def test_future_value_worked_example() -> None:
    result = future_value(10_000, 500, 7, 240)
    assert result.future_value == Decimal("300850.72")
    assert result.total_contributed == Decimal("130000.00")
    assert result.growth == Decimal("170850.72")
    assert result.future_value == dec(half_up(_month_by_month(10_000, 500, 7, 240)))


@settings(max_examples=150, deadline=None)
@given(
    present=st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100),
    contribution=st.integers(0, 500_000).map(lambda c: Decimal(c) / 100),
    rate=st.integers(0, 15_000).map(lambda r: Decimal(r) / 1000),
    months=st.integers(0, 480),
)
def test_closed_formula_matches_the_month_by_month_loop(
    present: Decimal, contribution: Decimal, rate: Decimal, months: int
) -> None:
    result = future_value(present, contribution, rate, months)
    exact = _month_by_month(present, contribution, rate, months)
    # Decimal keeps 28 digits through the power; the cents can differ only on a near tie.
    assert abs(Fraction(str(result.future_value)) - exact) <= Fraction(1, 200) + Fraction(1, 10**12)
    assert result.growth >= 0
    assert result.future_value == result.total_contributed + result.growth


def test_employer_match_worked_example() -> None:
    match = employer_match(80_000, 50, 6, contribution_pct=4)
    assert match.contribution_pct_for_full_match == 6
    assert match.contribution_for_full_match == Decimal("4800.00")
    assert match.full_match == Decimal("2400.00")
    assert match.match_at_contribution == Decimal("1600.00")
    assert match.missed_match == Decimal("800.00")
    assert not match.full_match_exceeds_deferral_limit
    assert employer_match(80_000, 50, 6, 10).missed_match == 0
    assert employer_match(500_000, 100, 6).full_match_exceeds_deferral_limit  # 30,000 > 24,500


def test_pay_off_or_invest() -> None:
    result = pay_off_or_invest(7, 8, 15)
    assert result.after_tax_return_pct == Decimal("6.8000")
    assert result.difference_pct == Decimal("0.2000")
    assert result.better == "pay_off_debt"
    assert pay_off_or_invest(3, 8).better == "invest"
    assert pay_off_or_invest(6.8, 8, 15).better == "equal"
