"""Itemizing against the 2026 standard deduction, the cost of an early retirement
withdrawal, the share of pay that maxes out a 401(k), and a lease's excess-mileage charge."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from apfa.finance.auto import excess_mileage
from apfa.finance.retirement import early_distribution_tax, plan_cash_payout, to_max_out
from apfa.finance.taxes import itemize_or_standard, salt_cap

amounts = st.decimals(min_value=0, max_value=200_000, places=2)


def test_a_married_couple_with_modest_deductions_takes_the_standard_one() -> None:
    result = itemize_or_standard("joint", Decimal(9000), Decimal(6000))
    assert result.itemized == Decimal(15000)
    assert result.standard == Decimal(32200)
    assert not result.itemize
    assert result.difference == Decimal(17200)


def test_state_and_local_taxes_count_only_up_to_the_cap() -> None:
    result = itemize_or_standard("single", Decimal(12000), Decimal(55000))
    assert result.salt_allowed == Decimal(40400)
    assert result.itemized == Decimal(52400)
    assert result.itemize
    assert salt_cap(Decimal(605000)) == Decimal(10400)  # 40,400 - 30% of 100,000
    assert salt_cap(Decimal(2_000_000)) == Decimal(10000)


@given(amounts, amounts, st.sampled_from(["single", "joint", "head"]))
def test_itemizing_is_chosen_exactly_when_it_is_larger(
    interest: Decimal, taxes: Decimal, status: str
) -> None:
    result = itemize_or_standard(status, interest, taxes)  # type: ignore[arg-type]
    assert result.itemize == (result.itemized > result.standard)
    assert result.difference == abs(result.itemized - result.standard)
    assert result.salt_allowed <= salt_cap()


def test_an_early_withdrawal_owes_the_additional_tax_until_59_and_a_half() -> None:
    assert early_distribution_tax(Decimal(10000), 40).additional_tax == Decimal("1000.00")
    assert early_distribution_tax(Decimal(10000), 59).additional_tax == Decimal("1000.00")
    assert early_distribution_tax(Decimal(10000), 60).additional_tax == 0
    taxed = early_distribution_tax(Decimal(10000), 40, Decimal(22))
    assert taxed.income_tax == Decimal("2200.00")
    assert early_distribution_tax(Decimal(10000), 40).income_tax is None


def test_a_plan_paying_in_cash_withholds_a_fifth() -> None:
    assert plan_cash_payout(Decimal(22000)) == (Decimal("4400.00"), Decimal("17600.00"))
    assert plan_cash_payout(Decimal("333.33")) == (Decimal("66.67"), Decimal("266.66"))


def test_maxing_out_a_401k_from_each_paycheck() -> None:
    share, each = to_max_out(Decimal(120000), Decimal(24500), 26)
    assert share == Decimal("20.4")
    assert each == Decimal("942.31")
    assert to_max_out(Decimal(20000), Decimal(24500), None) == (Decimal(100), None)


@given(
    st.integers(min_value=0, max_value=100_000),
    st.integers(min_value=0, max_value=100_000),
    st.decimals(min_value=0, max_value=1, places=2),
)
def test_miles_over_the_allowance_are_charged_and_none_within_it(
    allowed: int, driven: int, fee: Decimal
) -> None:
    result = excess_mileage(allowed, driven, fee)
    assert result.miles_over == max(driven - allowed, 0)
    assert result.charge == (result.miles_over * fee).quantize(Decimal("0.01"))


def test_the_lease_example() -> None:
    result = excess_mileage(36000, 45000, Decimal("0.25"))
    assert (result.miles_over, result.charge) == (9000, Decimal("2250.00"))


def test_negative_figures_are_refused() -> None:
    with pytest.raises(ValueError, match="allowed must be >= 0"):
        excess_mileage(-1, 10, Decimal("0.2"))
    with pytest.raises(ValueError, match="mortgage_interest must be >= 0"):
        itemize_or_standard("joint", Decimal(-5))
