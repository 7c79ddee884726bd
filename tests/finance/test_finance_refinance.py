"""refinance_break_even tests."""

from __future__ import annotations

from decimal import Decimal

from apfa.finance import monthly_payment, refinance_break_even, total_interest


def test_break_even_known_case() -> None:
    result = refinance_break_even(250_000, 7.5, 300, 6.0, 360, 5_000)
    assert result.current_payment == monthly_payment(250_000, 7.5, 300) == Decimal("1847.48")
    assert result.new_payment == Decimal("1498.88")
    assert result.monthly_savings == Decimal("348.60")
    assert result.break_even_months == 15  # 5,000 / 348.60 = 14.3 -> month 15
    assert result.current_remaining_interest == total_interest(250_000, 7.5, 300)
    assert result.interest_saved == (result.current_remaining_interest - result.new_total_interest)
    assert result.net_lifetime_savings == result.interest_saved - 5_000


def test_no_savings_means_no_break_even() -> None:
    result = refinance_break_even(200_000, 5.0, 300, 6.0, 300, 3_000)
    assert result.monthly_savings < 0
    assert result.break_even_months is None
    assert result.interest_saved < 0


def test_free_refinance_breaks_even_immediately() -> None:
    result = refinance_break_even(200_000, 7.0, 360, 6.0, 360, 0)
    assert result.break_even_months == 0


def test_shorter_term_can_cost_more_monthly_but_save_interest() -> None:
    result = refinance_break_even(300_000, 6.5, 360, 5.5, 180, 4_000)
    assert result.break_even_months is None  # the 15-year payment is higher
    assert result.interest_saved > 0
