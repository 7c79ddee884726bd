"""Revolving balances (credit cards): paying off at a fixed payment, and the payment that
clears a balance in a given number of months.

Convention (also used by :mod:`apfa.finance.debt_payoff` and :mod:`apfa.finance.debt_options`):
each month the interest ``balance * apr / 1200``, rounded to cents half-up, is added to the
balance, then the payment is applied; the last payment is whatever is left, so it is smaller.
A payment at or below the first month's interest never reduces the balance: the result says so
(``pays_off=False``) rather than raising. Simulations stop at :data:`MAX_MONTHS` (100 years).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apfa.finance.money import (
    CENT,
    ONE,
    ZERO,
    Number,
    cents,
    cents_up,
    monthly_rate,
    require_non_negative,
    require_term,
)

MAX_MONTHS = 1200
_PCT_MONTHS = Decimal(1200)


def monthly_interest(balance: Decimal, apr_pct: Decimal) -> Decimal:
    """``balance * apr / 1200`` rounded to cents half-up; one division, so an exact half cent
    rounds up (``monthly_rate`` would first round ``apr / 1200`` to 28 digits)."""
    return cents(balance * apr_pct / _PCT_MONTHS)


@dataclass(frozen=True)
class RevolvingRun:
    """What :func:`carry_balance` did: months with a payment, interest added, cash paid, the
    balance left and the last payment made (0 when none)."""

    months: int
    interest: Decimal
    paid: Decimal
    remaining: Decimal
    last_payment: Decimal


def carry_balance(
    balance: Number, apr_pct: Number, payment: Number, max_months: int = MAX_MONTHS
) -> RevolvingRun:
    """Run the card convention for at most ``max_months`` months, or until the balance is 0."""
    owed = cents(require_non_negative("balance", balance))
    apr = require_non_negative("apr_pct", apr_pct)
    pay = cents(require_non_negative("payment", payment))
    months, interest_total, paid, last = 0, ZERO, ZERO, ZERO
    while owed > 0 and months < max_months:
        interest = monthly_interest(owed, apr)
        owed += interest
        last = min(pay, owed)
        owed -= last
        interest_total += interest
        paid += last
        months += 1
        if last == 0:
            break
    return RevolvingRun(months, interest_total, paid, owed, last)


@dataclass(frozen=True)
class CardPayoff:
    """Result of :func:`card_payoff`; the payoff figures are ``None`` when ``pays_off`` is
    ``False`` (the payment does not exceed the first month's interest, or it takes longer than
    :data:`MAX_MONTHS`)."""

    balance: Decimal
    apr_pct: Decimal
    monthly_payment: Decimal
    first_month_interest: Decimal
    pays_off: bool
    months: int | None
    total_interest: Decimal | None
    total_paid: Decimal | None
    last_payment: Decimal | None


def card_payoff(balance: Number, apr_pct: Number, monthly_payment: Number) -> CardPayoff:
    """Months and interest to clear ``balance`` paying ``monthly_payment`` (module docstring).

    $5,000 at 22.99% paying $200 a month: 35 months, 1,871.10 of interest, a last payment of
    71.10; paying $95 (the first month's interest is 95.79) never pays it off.
    """
    owed = cents(require_non_negative("balance", balance))
    apr = require_non_negative("apr_pct", apr_pct)
    pay = cents(require_non_negative("monthly_payment", monthly_payment))
    first = monthly_interest(owed, apr)
    run = carry_balance(owed, apr, pay) if pay > first or owed == 0 else None
    done = run is not None and run.remaining == 0
    return CardPayoff(
        balance=owed,
        apr_pct=apr,
        monthly_payment=pay,
        first_month_interest=first,
        pays_off=done,
        months=run.months if run is not None and done else None,
        total_interest=run.interest if run is not None and done else None,
        total_paid=run.paid if run is not None and done else None,
        last_payment=run.last_payment if run is not None and done else None,
    )


def _clears(owed: Decimal, apr: Decimal, payment: Decimal, months: int) -> bool:
    return carry_balance(owed, apr, payment, months).remaining == 0


def payment_to_clear(balance: Number, apr_pct: Number, months: int) -> Decimal:
    """The smallest whole-cent monthly payment that clears ``balance`` within ``months`` under
    the card convention (the annuity payment, nudged by a cent or two for the rounding).

    $5,000 at 22.99% in 24 months: 261.85 a month (the 24th payment is 261.62).
    """
    owed = cents(require_non_negative("balance", balance))
    apr = require_non_negative("apr_pct", apr_pct)
    n = require_term(months)
    if owed == 0:
        return cents(ZERO)
    rate = monthly_rate(apr)
    factor = ONE - (ONE + rate) ** -n
    exact = owed / n if rate == 0 or factor == 0 else owed * rate / factor
    payment = max(cents_up(exact), CENT)
    while not _clears(owed, apr, payment, n):
        payment += CENT
    while payment > CENT and _clears(owed, apr, payment - CENT, n):
        payment -= CENT
    return payment
