"""Investing calculators: what a fund's expense ratio costs a year, against a cheaper fund."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator

_CENTS = Decimal("0.01")


def _yearly_fee(balance: Decimal, ratio_pct: Decimal) -> Decimal:
    return (balance * ratio_pct / 100).quantize(_CENTS, ROUND_HALF_UP)


@calculator(
    "fund_fees",
    yearly_fee="money",
    other_yearly_fee="money",
    fee_difference="money",
)
def fund_fees(inputs: Inputs) -> Computed | None:
    """A year's fees at the fund's expense ratio on the balance (and at another fund's)."""
    balance, ratio = (
        inputs.money("fund_balance", "invested_amount"),
        inputs.percent("expense_ratio"),
    )
    if balance is None or ratio is None:
        return None
    fee = _yearly_fee(balance, ratio)
    figures: dict[str, Decimal | int | str] = {"yearly_fee": fee}
    other = inputs.percent("other_expense_ratio")
    if other is not None:
        other_fee = _yearly_fee(balance, other)
        figures |= {"other_yearly_fee": other_fee, "fee_difference": fee - other_fee}
    inputs.assume("fees taken on the balance as it stands, before any growth")
    return Computed(figures, assumptions=inputs.assumptions)
