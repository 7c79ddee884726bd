"""Payment, schedule, totals, APR and extra-payment tests for apfa.finance.loans."""

from __future__ import annotations

import itertools
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance import (
    amortization_schedule,
    apr_with_fees,
    extra_payment_effect,
    monthly_payment,
    total_interest,
    yearly_summary,
)

principals = st.integers(min_value=1, max_value=200_000_000).map(lambda c: Decimal(c) / 100)
rates = st.integers(min_value=0, max_value=30_000).map(lambda r: Decimal(r) / 1000)
terms = st.integers(min_value=1, max_value=480)


@pytest.mark.parametrize(
    ("principal", "rate", "months", "expected"),
    [
        (200_000, 6, 360, "1199.10"),
        (300_000, 6.5, 360, "1896.20"),
        (25_000, 7, 60, "495.03"),
    ],
)
def test_monthly_payment_known_values(
    principal: int, rate: float, months: int, expected: str
) -> None:
    assert monthly_payment(principal, rate, months) == Decimal(expected)


def test_monthly_payment_accepts_float_int_and_decimal_alike() -> None:
    assert monthly_payment(200_000.0, 6.0, 360) == monthly_payment(Decimal("200000"), 6, 360)
    assert isinstance(monthly_payment(1000, 5, 12), Decimal)


def test_zero_rate_is_principal_over_n() -> None:
    assert monthly_payment(12_000, 0, 12) == Decimal("1000.00")
    assert monthly_payment(1_000, 0, 3) == Decimal("333.33")


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((-1, 5, 12), "principal"),
        ((1000, -0.5, 12), "annual_rate_pct"),
        ((1000, 5, 0), "term_months"),
        ((1000, float("nan"), 12), "finite"),
        ((float("inf"), 5, 12), "finite"),
    ],
)
def test_invalid_inputs_raise_value_error(args: tuple[float, float, int], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        monthly_payment(*args)


def test_schedule_300k_at_6_5_percent() -> None:
    rows = amortization_schedule(300_000, 6.5, 360)
    assert len(rows) == 360
    assert rows[0].interest == Decimal("1625.00")  # 300,000 * 6.5% / 12
    assert rows[0].principal == Decimal("271.20")
    assert rows[0].payment == Decimal("1896.20")
    assert all(r.payment == Decimal("1896.20") for r in rows[:-1])
    # The level payment is rounded down from 1896.204..., so the last payment absorbs it.
    assert rows[-1].payment == Decimal("1900.91")
    assert rows[-1].balance == Decimal("0.00")
    assert sum(r.principal for r in rows) == Decimal("300000")


def test_total_interest_known_values() -> None:
    # Cent-rounded monthly interest (half up) + final-payment adjustment. 359 level payments of
    # 1896.20 plus a final 1900.91 = 682,636.71 paid, so interest is 382,636.71 (the brief's
    # 382,633.47 does not reproduce with this rounding convention).
    assert total_interest(300_000, 6.5, 360) == Decimal("382636.71")
    assert total_interest(200_000, 6, 360) == Decimal("231677.04")
    rows = amortization_schedule(25_000, 7, 60)
    assert total_interest(25_000, 7, 60) == sum(r.payment for r in rows) - 25_000


def test_zero_rate_schedule_adjusts_last_payment() -> None:
    rows = amortization_schedule(1_000, 0, 3)
    assert [r.payment for r in rows] == [Decimal("333.33"), Decimal("333.33"), Decimal("333.34")]
    assert all(r.interest == 0 for r in rows)


def test_zero_principal_gives_empty_schedule() -> None:
    assert amortization_schedule(0, 5, 360) == []
    assert total_interest(0, 5, 360) == 0


def test_extra_payments_shorten_the_schedule() -> None:
    rows = amortization_schedule(300_000, 6.5, 360, extra_monthly=200)
    assert len(rows) == 277
    assert rows[-1].balance == 0
    assert sum(r.principal for r in rows) == Decimal("300000")
    assert rows[0].extra == Decimal("200.00")
    assert rows[0].payment == Decimal("2096.20")


def test_extra_payment_effect() -> None:
    effect = extra_payment_effect(300_000, 6.5, 360, 200)
    assert effect.original_payoff_months == 360
    assert effect.new_payoff_months == 277
    assert effect.months_saved == 83
    assert effect.original_total_interest == Decimal("382636.71")
    assert effect.interest_saved == Decimal("103450.19")
    assert effect.interest_saved == effect.original_total_interest - effect.new_total_interest


def test_extra_payment_effect_without_extra_saves_nothing() -> None:
    effect = extra_payment_effect(100_000, 5, 180, 0)
    assert effect.months_saved == 0
    assert effect.interest_saved == 0


def test_yearly_summary() -> None:
    rows = amortization_schedule(300_000, 6.5, 360)
    years = yearly_summary(rows)
    assert len(years) == 30
    assert years[0].year == 1
    assert years[0].interest == sum(r.interest for r in rows[:12])
    assert years[0].balance == rows[11].balance
    assert years[-1].balance == 0
    assert sum(y.principal for y in years) == Decimal("300000")
    assert sum(y.interest for y in years) == total_interest(300_000, 6.5, 360)


def test_yearly_summary_partial_last_year() -> None:
    years = yearly_summary(amortization_schedule(10_000, 5, 18))
    assert [y.year for y in years] == [1, 2]
    assert years[1].balance == 0


def test_apr_with_fees_hand_checked_case() -> None:
    apr = apr_with_fees(200_000, 6, 360, 4_000)
    assert apr == Decimal("6.189")
    # Hand check: 1199.10 a month discounted at the APR is worth the $196,000 financed.
    i = float(apr) / 1200
    present_value = 1199.10 * (1 - (1 + i) ** -360) / i
    assert present_value == pytest.approx(196_000, abs=25)


def test_apr_without_fees_is_the_note_rate() -> None:
    assert apr_with_fees(200_000, 6, 360, 0) == Decimal("6.000")
    assert apr_with_fees(25_000, 7, 60, 0) == Decimal("7.000")


def test_apr_with_fees_at_zero_note_rate_is_positive() -> None:
    assert apr_with_fees(12_000, 0, 12, 120) > Decimal("1.5")


def test_apr_rejects_fees_at_or_above_principal() -> None:
    with pytest.raises(ValueError, match="fees"):
        apr_with_fees(1_000, 5, 12, 1_000)


@settings(max_examples=150, deadline=None)
@given(principal=principals, rate=rates, term=terms, extra=st.integers(0, 5_000))
def test_principal_paid_sums_exactly_and_balance_never_rises(
    principal: Decimal, rate: Decimal, term: int, extra: int
) -> None:
    rows = amortization_schedule(principal, rate, term, extra_monthly=extra)
    assert sum(r.principal for r in rows) == principal.quantize(Decimal("0.01"))
    assert rows[-1].balance == Decimal("0.00")
    assert len(rows) <= term
    balances = [principal] + [r.balance for r in rows]
    assert all(b2 <= b1 for b1, b2 in itertools.pairwise(balances))
    assert all(r.payment == r.principal + r.interest for r in rows)
    assert all(r.principal >= 0 and r.interest >= 0 for r in rows)


@settings(max_examples=150, deadline=None)
@given(
    principal=st.integers(50_000, 2_000_000),
    rate=st.integers(1, 15_000).map(lambda r: Decimal(r) / 1000),
    term=st.integers(12, 348),
    step=st.integers(12, 120),
)
def test_payment_strictly_decreases_as_term_grows(
    principal: int, rate: Decimal, term: int, step: int
) -> None:
    longer = min(term + step, 360)
    assert monthly_payment(principal, rate, term) > monthly_payment(principal, rate, longer)


@settings(max_examples=150, deadline=None)
@given(principal=principals, rate=rates, term=terms, step=st.integers(1, 120))
def test_payment_never_increases_with_term(
    principal: Decimal, rate: Decimal, term: int, step: int
) -> None:
    assert monthly_payment(principal, rate, term) >= monthly_payment(principal, rate, term + step)


@settings(max_examples=40, deadline=None)
@given(
    principal=st.integers(5_000, 1_000_000),
    rate=st.integers(0, 20_000).map(lambda r: Decimal(r) / 1000),
    term=st.sampled_from([36, 60, 120, 180, 360]),
    fee_share=st.integers(1, 100).map(lambda f: Decimal(f) / 1000),
)
def test_apr_is_at_least_the_note_rate_when_fees_are_charged(
    principal: int, rate: Decimal, term: int, fee_share: Decimal
) -> None:
    apr = apr_with_fees(principal, rate, term, principal * fee_share)
    assert apr >= rate


def test_absurd_magnitudes_are_rejected() -> None:
    with pytest.raises(ValueError, match="too large"):
        monthly_payment(1e20, 5, 360)
