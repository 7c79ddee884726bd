"""Cars: leasing against buying with a loan, the money factor, negative equity.

Money is ``Decimal`` cents, rates annual percent. Both options are costed over the lease term:

* lease: due at signing + the monthly payments + other fees (acquisition, disposition...);
* buy: the down payment + the loan payments made during the lease term (the standard schedule
  of :mod:`apfa.finance.loans`) + the balance still owed at its end - the car's value then.
  Without a value (``resale_value=None``) only the cash outlay and the balance are given,
  since the net cost needs it.

Sales tax, registration and insurance are left out of both (they differ by state and contract).
A lease money factor is converted to an APR as ``money_factor * 2400``.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apfa.finance.loans import amortization_schedule, monthly_payment
from apfa.finance.money import (
    ZERO,
    Number,
    cents,
    require_non_negative,
    require_positive,
    require_term,
)

MONEY_FACTOR_TO_APR = Decimal(2400)
_APR_PLACES = Decimal("0.001")


def money_factor_to_apr(money_factor: Number) -> Decimal:
    """Lease money factor as an APR in percent, 3 decimals: ``0.00125`` -> ``3.000``."""
    factor = require_non_negative("money_factor", money_factor)
    return (factor * MONEY_FACTOR_TO_APR).quantize(_APR_PLACES)


@dataclass(frozen=True)
class ExcessMileage:
    """Result of :func:`excess_mileage`: miles over the lease's allowance and their charge."""

    miles_over: Decimal
    charge: Decimal


def excess_mileage(allowed: Number, expected: Number, fee_per_mile: Number) -> ExcessMileage:
    """The turn-in charge for miles over a lease's allowance (none when within it).

    36,000 allowed, 45,000 driven, $0.25 a mile: 9,000 miles over, a $2,250.00 charge.
    """
    limit = require_non_negative("allowed", allowed)
    driven = require_non_negative("expected", expected)
    fee = require_non_negative("fee_per_mile", fee_per_mile)
    over = max(driven - limit, ZERO)
    return ExcessMileage(over, cents(over * fee))


def negative_equity(owed: Number, trade_in_value: Number) -> Decimal:
    """How far a trade-in is underwater: ``owed - value`` when positive, else 0."""
    debt = require_non_negative("owed", owed)
    value = require_non_negative("trade_in_value", trade_in_value)
    return cents(max(debt - value, ZERO))


@dataclass(frozen=True)
class LeaseVsBuy:
    """Result of :func:`lease_vs_buy`; ``difference`` is buying's net cost minus the lease's
    (positive: leasing costs less over the term), ``None`` without a resale value."""

    term_months: int
    lease_total: Decimal
    loan_amount: Decimal
    loan_payment: Decimal
    loan_payments_in_term: Decimal
    loan_balance_at_term_end: Decimal
    buy_cash_outlay: Decimal
    resale_value: Decimal | None
    buy_net_cost: Decimal | None
    difference: Decimal | None


def lease_vs_buy(
    *,
    lease_monthly: Number,
    lease_months: int,
    price: Number,
    loan_rate_pct: Number,
    loan_months: int,
    lease_due_at_signing: Number = 0,
    lease_fees: Number = 0,
    down_payment: Number = 0,
    resale_value: Number | None = None,
) -> LeaseVsBuy:
    """Lease and purchase costs over the lease term (module docstring).

    A 36-month lease at $389 with $2,999 due at signing and a $395 disposition fee costs
    17,398.00. Buying the $35,000 car with $3,000 down and a 60-month loan at 6.9%: 632.13 a
    month, 22,756.68 paid in 36 months, 14,132.97 still owed; with the car worth $21,000 then,
    buying costs 18,889.65 net, 1,491.65 more than leasing.
    """
    term = require_term(lease_months)
    lease = (
        cents(require_non_negative("lease_due_at_signing", lease_due_at_signing))
        + cents(require_non_negative("lease_monthly", lease_monthly)) * term
        + cents(require_non_negative("lease_fees", lease_fees))
    )
    car = cents(require_positive("price", price))
    down = cents(require_non_negative("down_payment", down_payment))
    if down > car:
        raise ValueError("down_payment must not exceed price")
    loan = car - down
    rows = amortization_schedule(loan, loan_rate_pct, loan_months)
    in_term = rows[:term]
    paid = sum((r.payment for r in in_term), ZERO)
    owed = in_term[-1].balance if len(rows) > term else cents(ZERO)
    outlay = down + paid
    value = None if resale_value is None else cents(require_non_negative("resale", resale_value))
    net = None if value is None else outlay + owed - value
    return LeaseVsBuy(
        term_months=term,
        lease_total=lease,
        loan_amount=loan,
        loan_payment=monthly_payment(loan, loan_rate_pct, loan_months),
        loan_payments_in_term=paid,
        loan_balance_at_term_end=owed,
        buy_cash_outlay=outlay,
        resale_value=value,
        buy_net_cost=net,
        difference=None if net is None else net - lease,
    )
