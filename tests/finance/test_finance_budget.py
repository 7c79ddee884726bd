"""budget_50_30_20, max_housing_payment and down_payment_options."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.budget import budget_50_30_20, down_payment_options, max_housing_payment


def test_50_30_20() -> None:
    split = budget_50_30_20(5_250)
    assert (split.needs, split.wants, split.savings) == (
        Decimal("2625.00"),
        Decimal("1575.00"),
        Decimal("1050.00"),
    )


@settings(max_examples=200, deadline=None)
@given(pay=st.integers(0, 10_000_000).map(lambda c: Decimal(c) / 100))
def test_50_30_20_adds_up_to_the_pay(pay: Decimal) -> None:
    split = budget_50_30_20(pay)
    assert split.needs + split.wants + split.savings == pay
    assert abs(split.savings - pay / 5) <= Decimal("0.01")


def test_max_housing_payment() -> None:
    assert max_housing_payment(7_000, 600, 36) == Decimal("1920.00")
    assert max_housing_payment(3_000, 2_000, 36) == 0


@settings(max_examples=200, deadline=None)
@given(
    income=st.integers(1, 5_000_000).map(lambda c: Decimal(c) / 100),
    debts=st.integers(0, 500_000).map(lambda c: Decimal(c) / 100),
    cap=st.integers(1, 60),
)
def test_housing_payment_is_the_largest_cent_within_the_cap(
    income: Decimal, debts: Decimal, cap: int
) -> None:
    payment = max_housing_payment(income, debts, cap)
    if payment > 0:
        assert (payment + debts) / income <= Decimal(cap) / 100
        assert (payment + Decimal("0.01") + debts) / income > Decimal(cap) / 100


def test_down_payment_options() -> None:
    five, twenty = down_payment_options(400_000, (5, 20))
    assert (five.down_payment, five.loan_amount, five.loan_to_value) == (
        Decimal("20000.00"),
        Decimal("380000.00"),
        Decimal("0.9500"),
    )
    assert five.mortgage_insurance_expected
    assert twenty.loan_to_value == Decimal("0.8000")
    assert not twenty.mortgage_insurance_expected
    assert len(down_payment_options(300_000)) == 5
