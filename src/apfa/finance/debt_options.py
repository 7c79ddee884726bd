"""Moving debt: a promotional balance transfer, and a consolidation loan.

Money is ``Decimal`` cents, rates annual percent. Card balances follow the convention of
:mod:`apfa.finance.revolving` (interest added monthly, rounded to cents, then the payment);
the consolidation loan is a standard amortising loan (:mod:`apfa.finance.loans`).

* Balance transfer: the fee (``fee_pct`` of the balance) is added to the transferred balance;
  ``payment_to_clear_in_promo`` is the smallest whole-cent payment that clears it within the
  promotional months. Given a payment, the promotional months are run at ``promo_apr`` and any
  balance left is then run at ``later_apr`` until paid (when ``later_apr`` is given).
* Consolidation: the origination fee is either ``added`` to the loan (principal = balances +
  fee) or ``deducted`` from the proceeds (the smallest principal whose proceeds after the fee
  still cover the balances). The current debts are paid with ``current_payment`` a month
  (default: the sum of their minimums) by the avalanche plan of
  :mod:`apfa.finance.debt_payoff`; ``savings`` is their interest minus the loan's interest and
  fee (negative: consolidating costs more).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.debt_payoff import DebtInput, as_debts, payoff_plan
from apfa.finance.loans import amortization_schedule, monthly_payment
from apfa.finance.money import (
    CENT,
    HUNDRED,
    ONE,
    ZERO,
    Number,
    cents,
    cents_down,
    require_non_negative,
    require_pct,
    require_term,
)
from apfa.finance.revolving import carry_balance, payment_to_clear

FeeHandling = Literal["added", "deducted"]


@dataclass(frozen=True)
class BalanceTransfer:
    """Result of :func:`balance_transfer`. The fields after ``payment_to_clear_in_promo`` need
    ``monthly_payment``; those after ``balance_after_promo`` also need ``later_apr_pct`` when a
    balance is left (else ``None``). ``months_in_promo`` counts the promotional months with a
    payment (fewer than ``promo_months`` when it is cleared early)."""

    fee: Decimal
    new_balance: Decimal
    payment_to_clear_in_promo: Decimal
    monthly_payment: Decimal | None
    months_in_promo: int | None
    promo_interest: Decimal | None
    balance_after_promo: Decimal | None
    months_after_promo: int | None
    interest_after_promo: Decimal | None
    total_cost: Decimal | None
    """Fee plus all interest, when the balance is cleared."""


def balance_transfer(
    balance: Number,
    fee_pct: Number,
    promo_apr_pct: Number,
    promo_months: int,
    later_apr_pct: Number | None = None,
    monthly_payment: Number | None = None,
) -> BalanceTransfer:
    """Fee, new balance, the payment that clears it in the promo, and what a given payment
    leaves (module docstring).

    $6,000 with a 3% fee at 0% for 18 months, then 24.99%: fee 180.00, new balance 6,180.00,
    343.34 a month clears it in time; paying $250 leaves 1,680.00 when the promo ends, cleared
    8 months later with 149.16 of interest (total cost 329.16 with the fee).
    """
    owed = cents(require_non_negative("balance", balance))
    fee = cents(owed * require_pct("fee_pct", fee_pct) / HUNDRED)
    new_balance = owed + fee
    n = require_term(promo_months)
    needed = payment_to_clear(new_balance, promo_apr_pct, n)
    if monthly_payment is None:
        return BalanceTransfer(fee, new_balance, needed, None, None, None, None, None, None, None)
    pay = cents(require_non_negative("monthly_payment", monthly_payment))
    promo = carry_balance(new_balance, promo_apr_pct, pay, n)
    after_months: int | None = None
    after_interest: Decimal | None = None
    total: Decimal | None = None
    if promo.remaining == 0:
        after_months, after_interest, total = 0, cents(ZERO), fee + promo.interest
    elif later_apr_pct is not None:
        later = carry_balance(promo.remaining, later_apr_pct, pay)
        if later.remaining == 0:
            after_months, after_interest = later.months, later.interest
            total = fee + promo.interest + later.interest
    return BalanceTransfer(
        fee=fee,
        new_balance=new_balance,
        payment_to_clear_in_promo=needed,
        monthly_payment=pay,
        months_in_promo=promo.months,
        promo_interest=promo.interest,
        balance_after_promo=promo.remaining,
        months_after_promo=after_months,
        interest_after_promo=after_interest,
        total_cost=total,
    )


@dataclass(frozen=True)
class Consolidation:
    """Result of :func:`consolidation`; the ``current_*`` figures and ``savings`` are ``None``
    when the current payment never clears the debts."""

    balance: Decimal
    fee_handling: FeeHandling
    origination_fee: Decimal
    loan_principal: Decimal
    new_payment: Decimal
    new_months: int
    new_total_interest: Decimal
    new_total_cost: Decimal
    current_payment: Decimal
    current_months: int | None
    current_total_interest: Decimal | None
    monthly_payment_change: Decimal
    savings: Decimal | None


def _principal(
    balance: Decimal, fee_share: Decimal, handling: FeeHandling
) -> tuple[Decimal, Decimal]:
    """(loan principal, origination fee) for the fee handling."""
    if handling == "added":
        fee = cents(balance * fee_share)
        return balance + fee, fee
    if handling != "deducted":
        raise ValueError(f"fee_handling must be 'added' or 'deducted', got {handling!r}")
    if fee_share >= ONE:
        raise ValueError("origination_fee_pct must be below 100 when the fee is deducted")
    # Proceeds (principal - fee) never fall as the principal grows by a cent, so the first
    # principal that covers the balance, counting up from just below it, is the smallest.
    principal = max(cents_down((balance - CENT) / (ONE - fee_share)), balance)
    while principal - cents(principal * fee_share) < balance:
        principal += CENT
    return principal, cents(principal * fee_share)


def consolidation(
    debts: Iterable[DebtInput],
    loan_rate_pct: Number,
    loan_months: int,
    current_payment: Number | None = None,
    origination_fee_pct: Number = 0,
    fee_handling: FeeHandling = "added",
) -> Consolidation:
    """A consolidation loan against paying the debts as now (module docstring).

    Cards of $4,000 at 24.99% (min $120) and $3,000 at 21.99% (min $90), paid at $400 a month,
    against a 36-month loan at 11.99% with a 5% fee added: the loan is 7,350.00 at 244.09 a
    month (155.91 less) with 1,437.24 of interest, 1,787.24 with the fee; the cards at $400 take
    22 months and 1,632.31 of interest, so consolidating costs 154.93 more (``savings``
    -154.93). With the fee deducted the loan is 7,368.42 (fee 368.42).
    """
    items = as_debts(debts)
    total = sum((d.balance for d in items), ZERO)
    share = require_pct("origination_fee_pct", origination_fee_pct) / HUNDRED
    principal, fee = _principal(total, share, fee_handling)
    n = require_term(loan_months)
    rate = require_non_negative("loan_rate_pct", loan_rate_pct)
    rows = amortization_schedule(principal, rate, n)
    interest = sum((r.interest for r in rows), ZERO)
    minimum = sum((d.min_payment for d in items), ZERO)
    budget = (
        minimum
        if current_payment is None
        else cents(require_non_negative("current_payment", current_payment))
    )
    plan = payoff_plan(items, budget, "avalanche")
    new_payment = monthly_payment(principal, rate, n)
    current_interest = plan.total_interest if plan.pays_off else None
    return Consolidation(
        balance=total,
        fee_handling=fee_handling,
        origination_fee=fee,
        loan_principal=principal,
        new_payment=new_payment,
        new_months=len(rows),
        new_total_interest=interest,
        new_total_cost=interest + fee,
        current_payment=budget,
        current_months=plan.months_to_debt_free,
        current_total_interest=current_interest,
        monthly_payment_change=new_payment - budget,
        savings=None if current_interest is None else current_interest - interest - fee,
    )
