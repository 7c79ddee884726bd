"""balance_transfer and consolidation."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apfa.finance.debt_options import balance_transfer, consolidation
from finance.reference import annuity, dec, frac, half_up, revolving


def test_balance_transfer_worked_example() -> None:
    result = balance_transfer(6_000, 3, 0, 18, later_apr_pct=24.99, monthly_payment=250)
    assert result.fee == Decimal("180.00")
    assert result.new_balance == Decimal("6180.00")
    assert result.payment_to_clear_in_promo == Decimal("343.34")  # 6180 / 18 = 343.33...
    assert result.balance_after_promo == Decimal("1680.00")
    assert result.promo_interest == 0
    assert result.months_after_promo == 8
    assert result.interest_after_promo == Decimal("149.16")
    assert result.total_cost == Decimal("329.16")
    months, interest = revolving(1_680, "24.99", 250)
    assert (months, dec(interest)) == (8, Decimal("149.16"))


def test_balance_transfer_cleared_in_the_promo_and_without_a_payment() -> None:
    cleared = balance_transfer(6_000, 3, 0, 18, monthly_payment=400)
    assert cleared.balance_after_promo == 0
    assert cleared.months_in_promo == 16
    assert cleared.total_cost == Decimal("180.00")
    bare = balance_transfer(6_000, 3, 0, 18)
    assert bare.monthly_payment is None
    assert bare.total_cost is None
    no_later = balance_transfer(6_000, 3, 0, 18, monthly_payment=250)
    assert no_later.balance_after_promo == Decimal("1680.00")
    assert no_later.months_after_promo is None


CARDS = [("a", 4_000, 24.99, 120), ("b", 3_000, 21.99, 90)]


def test_consolidation_worked_example_fee_added() -> None:
    result = consolidation(CARDS, 11.99, 36, current_payment=400, origination_fee_pct=5)
    assert result.balance == Decimal("7000.00")
    assert result.origination_fee == Decimal("350.00")
    assert result.loan_principal == Decimal("7350.00")
    assert result.new_payment == dec(half_up(annuity(frac(7_350), frac("11.99"), 36)))
    assert result.new_payment == Decimal("244.09")
    assert result.new_total_interest == Decimal("1437.24")
    assert result.current_months == 22
    assert result.current_total_interest == Decimal("1632.31")
    assert result.savings == Decimal("-154.93")
    assert result.monthly_payment_change == Decimal("-155.91")


def test_consolidation_fee_deducted_is_the_smallest_covering_principal() -> None:
    result = consolidation(CARDS, 11.99, 36, 400, 5, "deducted")
    assert result.loan_principal == Decimal("7368.42")
    assert result.origination_fee == Decimal("368.42")
    assert result.loan_principal - result.origination_fee >= result.balance
    smaller = Decimal("7368.41")
    assert smaller - half_up_dec(smaller * Decimal("0.05")) < result.balance


def half_up_dec(value: Decimal) -> Decimal:
    return dec(half_up(frac(value)))


def test_consolidation_against_minimums_and_errors() -> None:
    result = consolidation(CARDS, 9.99, 48)
    assert result.current_payment == Decimal("210.00")
    assert result.savings is not None
    assert result.savings > 0
    with pytest.raises(ValueError, match="fee_handling"):
        consolidation(CARDS, 9.99, 48, fee_handling="split")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="below 100"):
        consolidation(CARDS, 9.99, 48, origination_fee_pct=100, fee_handling="deducted")
