"""lease_vs_buy, money_factor_to_apr and negative_equity."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.auto import lease_vs_buy, money_factor_to_apr, negative_equity
from apfa.finance.loans import amortization_schedule
from finance.reference import dec, schedule


def _example(resale: int | None = 21_000) -> object:
    return lease_vs_buy(
        lease_monthly=389,
        lease_months=36,
        lease_due_at_signing=2_999,
        lease_fees=395,
        price=35_000,
        down_payment=3_000,
        loan_rate_pct=6.9,
        loan_months=60,
        resale_value=resale,
    )


def test_worked_example() -> None:
    result = _example()
    assert result.lease_total == Decimal("17398.00")  # 2,999 + 36 x 389 + 395
    assert result.loan_amount == Decimal("32000.00")
    assert result.loan_payment == Decimal("632.13")
    rows = schedule(32_000, "6.9", 60)
    assert result.loan_payments_in_term == dec(sum((r[0] for r in rows[:36]), Fraction(0)))
    assert result.loan_balance_at_term_end == dec(rows[35][2]) == Decimal("14132.97")
    assert result.buy_cash_outlay == Decimal("25756.68")
    assert result.buy_net_cost == Decimal("18889.65")
    assert result.difference == Decimal("1491.65")


def test_without_a_resale_value_there_is_no_net_cost() -> None:
    result = _example(resale=None)
    assert result.buy_net_cost is None
    assert result.difference is None
    assert result.buy_cash_outlay == Decimal("25756.68")


def test_a_loan_shorter_than_the_lease_is_paid_off() -> None:
    result = lease_vs_buy(
        lease_monthly=300, lease_months=36, price=20_000, loan_rate_pct=5, loan_months=24
    )
    assert result.loan_balance_at_term_end == 0
    assert result.loan_payments_in_term > 20_000


@settings(max_examples=100, deadline=None)
@given(
    price=st.integers(5_000, 120_000),
    down_share=st.integers(0, 100),
    rate=st.integers(0, 15_000).map(lambda r: Decimal(r) / 1000),
    loan_months=st.sampled_from([36, 48, 60, 72, 84]),
    lease_months=st.sampled_from([24, 36, 39, 48]),
)
def test_principal_paid_plus_balance_is_the_loan(
    price: int, down_share: int, rate: Decimal, loan_months: int, lease_months: int
) -> None:
    down = Decimal(price * down_share) / 100
    result = lease_vs_buy(
        lease_monthly=400,
        lease_months=lease_months,
        price=price,
        down_payment=down,
        loan_rate_pct=rate,
        loan_months=loan_months,
        resale_value=price // 2,
    )
    rows = amortization_schedule(result.loan_amount, rate, loan_months)[:lease_months]
    assert result.loan_payments_in_term == sum(r.payment for r in rows)
    principal_paid = sum(r.principal for r in rows)
    assert principal_paid + result.loan_balance_at_term_end == result.loan_amount
    assert result.buy_net_cost == (
        result.buy_cash_outlay + result.loan_balance_at_term_end - (price // 2)
    )


def test_money_factor_and_negative_equity() -> None:
    assert money_factor_to_apr(0.00125) == Decimal("3.000")
    assert money_factor_to_apr("0.00275") == Decimal("6.600")
    assert negative_equity(18_000, 15_000) == Decimal("3000.00")
    assert negative_equity(10_000, 15_000) == 0
    with pytest.raises(ValueError, match="down_payment"):
        lease_vs_buy(
            lease_monthly=1, lease_months=1, price=1, down_payment=2, loan_rate_pct=1, loan_months=1
        )
