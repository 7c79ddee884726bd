"""Calculators for high-cost short loans: a payday loan's fee as an APR, with rollovers, and
a loan charged a fee every month."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator
from apfa.finance.payday import payday_apr

CENT = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


@calculator(
    "payday_cost",
    payday_apr="percent",
    payday_term_days="count",
    payday_fee_base="money",
    payday_borrowed="money",
    payday_fee_due="money",
    payday_fee_total="money",
    rollovers="count",
    still_owed="money",
    payday_total_paid="money",
)
def payday_cost(inputs: Inputs) -> Computed | None:
    """A payday fee as an APR and in dollars. The fee is either on the amount borrowed
    ("a $60 fee on a $400 loan") or a price per amount ("$15 per $100"), which is then
    applied to the amount borrowed when that is known."""
    fee, per = inputs.money("payday_fee"), inputs.money("payday_fee_per")
    amount = inputs.money("payday_amount", "loan_amount")
    if amount is not None and amount <= 0:
        amount = None
    days = inputs.whole("payday_days") or 14
    priced_per = per is not None and per > 0
    base = per if priced_per else amount
    if fee is None or base is None:
        return None
    due: Decimal | None = fee
    if priced_per:
        due = None if amount is None else _cents(fee * amount / base)
    if inputs.whole("payday_days") is None:
        inputs.assume("a two-week (14-day) loan, the usual payday term")
    figures: dict[str, Decimal | int | str] = {
        "payday_apr": payday_apr(fee, base, days),
        "payday_term_days": days,
        "payday_fee_base": base,
    }
    if due is not None and amount is not None:
        paid = inputs.whole("payday_fees_paid")
        rollovers = inputs.whole("rollovers") or (paid - 1 if paid else 0)
        figures |= {"payday_borrowed": amount, "payday_fee_due": due}
        fees = due * (1 + rollovers)
        figures["payday_fee_total"] = fees
        if rollovers:
            figures |= {"rollovers": rollovers, "still_owed": amount}
            figures["payday_total_paid"] = fees + amount
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("monthly_fee_loan", monthly_fee="money", monthly_fee_apr="percent")
def monthly_fee_loan(inputs: Inputs) -> Computed | None:
    """A loan priced as a percentage fee each month (a car title loan): the fee in dollars
    and the APR it amounts to (the monthly rate times 12, as the Truth in Lending Act's
    disclosure computes it for a loan of one-month periods)."""
    pct = inputs.percent("monthly_fee_pct")
    amount = inputs.money("payday_amount", "loan_amount", "amount_owed")
    if pct is None or amount is None or amount <= 0:
        return None
    fee = (amount * pct / 100).quantize(Decimal("0.01"), ROUND_HALF_UP)
    return Computed({"monthly_fee": fee, "monthly_fee_apr": pct * 12})
