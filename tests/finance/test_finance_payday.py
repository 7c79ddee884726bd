"""payday_apr and rollover_cost."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.payday import payday_apr, rollover_cost
from finance.reference import frac


def test_payday_apr_and_rollovers() -> None:
    assert payday_apr(15, 100, 14) == Decimal("391.07")
    assert payday_apr(45, 300, 30) == Decimal("182.50")
    cost = rollover_cost(15, 4)
    assert (cost.terms, cost.total_fees) == (5, Decimal("75.00"))
    with pytest.raises(ValueError, match="days"):
        payday_apr(15, 100, 0)


@settings(max_examples=200, deadline=None)
@given(
    fee=st.integers(0, 10_000).map(lambda c: Decimal(c) / 100),
    amount=st.integers(1_000, 200_000).map(lambda c: Decimal(c) / 100),
    days=st.integers(1, 62),
)
def test_apr_is_the_fee_rate_scaled_to_a_year(fee: Decimal, amount: Decimal, days: int) -> None:
    apr = Fraction(str(payday_apr(fee, amount, days)))
    exact = frac(fee) / frac(amount) * Fraction(365, days) * 100
    assert abs(apr - exact) <= Fraction(1, 200)
    assert payday_apr(fee, amount, days + 1) <= payday_apr(fee, amount, days)
