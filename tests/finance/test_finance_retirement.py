"""retirement_limits by age and loan_401k_limit."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.retirement import loan_401k_limit, retirement_limits


@pytest.mark.parametrize(
    ("age", "catch_up", "ira_catch_up", "hsa_catch_up"),
    [
        (30, 0, 0, 0),
        (49, 0, 0, 0),
        (50, 8_000, 1_100, 0),
        (55, 8_000, 1_100, 1_000),
        (59, 8_000, 1_100, 1_000),
        (60, 11_250, 1_100, 1_000),
        (63, 11_250, 1_100, 1_000),
        (64, 8_000, 1_100, 1_000),
    ],
)
def test_limits_by_age(age: int, catch_up: int, ira_catch_up: int, hsa_catch_up: int) -> None:
    limits = retirement_limits(age)
    assert limits.tax_year == 2026
    assert limits.elective_deferral == 24_500
    assert limits.catch_up == catch_up
    assert limits.total_deferral == 24_500 + catch_up
    assert limits.ira_total == 7_500 + ira_catch_up
    assert limits.hsa_catch_up == hsa_catch_up
    assert (limits.hsa_self_only, limits.hsa_family) == (4_400, 8_750)


def test_loan_limit_irs_examples() -> None:
    # IRS "Retirement Topics - Loans": Bill ($80,000 vested) and Sue ($120,000 vested).
    assert loan_401k_limit(80_000) == Decimal("40000.00")
    assert loan_401k_limit(120_000) == Decimal("50000.00")
    assert loan_401k_limit(15_000) == Decimal("7500.00")
    assert loan_401k_limit(15_000, small_balance_exception=True) == Decimal("10000.00")
    assert loan_401k_limit(6_000, small_balance_exception=True) == Decimal("6000.00")


def test_loan_limit_counts_existing_and_recent_loans() -> None:
    # $30,000 owed now, $40,000 at its highest this year: 50,000 - 10,000 = 40,000 in all.
    assert loan_401k_limit(200_000, 30_000, 40_000) == Decimal("10000.00")
    assert loan_401k_limit(200_000, 30_000) == Decimal("20000.00")
    assert loan_401k_limit(50_000, 30_000) == 0


@settings(max_examples=200, deadline=None)
@given(
    vested=st.integers(0, 500_000),
    owed=st.integers(0, 60_000),
    extra=st.integers(0, 30_000),
    exception=st.booleans(),
)
def test_loan_limit_bounds(vested: int, owed: int, extra: int, exception: bool) -> None:
    limit = loan_401k_limit(vested, owed, owed + extra, exception)
    assert limit >= 0
    assert limit + owed <= max(50_000 - extra, owed)
    assert limit + owed <= max(Decimal(vested) / 2, 10_000 if exception else 0, owed)
