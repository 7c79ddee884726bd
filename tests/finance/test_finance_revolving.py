"""card_payoff, carry_balance and payment_to_clear against exact-fraction references."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.revolving import (
    MAX_MONTHS,
    card_payoff,
    carry_balance,
    monthly_interest,
    payment_to_clear,
)
from finance.reference import annuity, dec, frac, half_up, revolving

aprs = st.integers(0, 3_600).map(lambda a: Decimal(a) / 100)


def test_card_payoff_worked_example() -> None:
    result = card_payoff(5_000, 22.99, 200)
    assert result.pays_off
    assert result.first_month_interest == Decimal("95.79")
    assert result.months == 35
    assert result.total_interest == Decimal("1871.10")
    assert result.total_paid == Decimal("6871.10")
    assert result.last_payment == Decimal("71.10")
    months, interest = revolving(5_000, "22.99", 200)
    assert (months, dec(interest)) == (35, Decimal("1871.10"))


def test_a_payment_at_or_below_the_interest_never_pays_off() -> None:
    for payment in (95, Decimal("95.79")):
        result = card_payoff(5_000, 22.99, payment)
        assert not result.pays_off
        assert result.months is None
        assert result.total_interest is None


def test_zero_balance_and_zero_rate() -> None:
    assert card_payoff(0, 20, 0).months == 0
    result = card_payoff(1_000, 0, 300)
    assert (result.months, result.total_interest, result.last_payment) == (
        4,
        Decimal("0.00"),
        Decimal("100.00"),
    )


def test_too_long_is_reported_not_looped_forever() -> None:
    result = card_payoff(1_000_000, 12, Decimal("10000.01"))
    assert not result.pays_off
    assert carry_balance(1_000_000, 12, Decimal("10000.01")).months == MAX_MONTHS


@settings(max_examples=150, deadline=None)
@given(
    balance=st.integers(1, 2_000_000).map(lambda c: Decimal(c) / 100),
    apr=aprs,
    extra=st.integers(1, 50_000).map(lambda c: Decimal(c) / 100),
)
def test_card_payoff_matches_the_fraction_reference_and_conserves_money(
    balance: Decimal, apr: Decimal, extra: Decimal
) -> None:
    first = half_up(frac(balance) * frac(apr) / 1200)
    payment = dec(first) + extra
    result = card_payoff(balance, apr, payment)
    if not result.pays_off:
        return  # longer than MAX_MONTHS
    months, interest = revolving(balance, apr, payment)
    assert result.months == months
    assert result.total_interest == dec(interest)
    assert result.total_paid == balance + result.total_interest
    assert result.last_payment is not None
    assert 0 < result.last_payment <= payment


@settings(max_examples=150, deadline=None)
@given(
    balance=st.integers(100, 5_000_000).map(lambda c: Decimal(c) / 100),
    apr=aprs,
    months=st.integers(1, 120),
)
def test_payment_to_clear_is_the_smallest_cent_that_clears_in_time(
    balance: Decimal, apr: Decimal, months: int
) -> None:
    payment = payment_to_clear(balance, apr, months)
    result = card_payoff(balance, apr, payment)
    assert result.months is not None
    assert result.months <= months
    assert carry_balance(balance, apr, payment - Decimal("0.01"), months).remaining > 0
    # Within a cent or two of the annuity payment.
    exact = annuity(frac(balance), frac(apr), months)
    assert abs(Fraction(str(payment)) - exact) <= Fraction(3, 100)


def test_payment_to_clear_worked_example() -> None:
    assert payment_to_clear(5_000, 22.99, 24) == Decimal("261.85")
    assert payment_to_clear(0, 22.99, 24) == 0


def test_an_exact_half_cent_of_interest_rounds_up() -> None:
    # 1,800 x 22.99% / 12 = 34.485 exactly; rounding 22.99 / 1200 first would give 34.48.
    assert monthly_interest(Decimal("1800.00"), Decimal("22.99")) == Decimal("34.49")
    assert card_payoff(1_800, 22.99, 100).first_month_interest == Decimal("34.49")
