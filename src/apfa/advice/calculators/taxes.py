"""Calculators for tax questions: itemizing against the standard deduction and the cost of
an early retirement withdrawal."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator
from apfa.finance.retirement import early_distribution_tax, plan_cash_payout
from apfa.finance.taxes import FilingStatus, itemize_or_standard

_STATUSES: dict[str, FilingStatus] = {"single": "single", "joint": "joint", "head": "head"}


@calculator(
    "itemize_vs_standard",
    itemized_total="money",
    standard_deduction="money",
    deduction_difference="money",
)
def itemize_vs_standard(inputs: Inputs) -> Computed | None:
    interest = inputs.money("mortgage_interest_paid")
    taxes = inputs.money("property_tax_annual")
    if interest is None and taxes is None:
        return None
    status = _STATUSES.get(inputs.text("filing_status") or "")
    if status is None:
        status = "single"
        inputs.assume("filing single (say if you file jointly or as head of household)")
    result = itemize_or_standard(
        status, interest or Decimal(0), taxes or Decimal(0), magi=inputs.money("agi")
    )
    figures: dict[str, Decimal | int | str] = {
        "itemized_total": result.itemized,
        "standard_deduction": result.standard,
        "deduction_difference": result.difference,
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "early_withdrawal",
    early_withdrawal_tax="money",
    early_withdrawal_income_tax="money",
    plan_withholding="money",
    plan_check="money",
)
def early_withdrawal(inputs: Inputs) -> Computed | None:
    amount = inputs.money("withdrawal_amount")
    if amount is None:
        return None
    age = inputs.number("age")
    if age is None:
        age = Decimal(40)
        inputs.assume("under 59 and a half, so the 10% additional tax applies (give your age)")
    result = early_distribution_tax(amount, age, inputs.percent("tax_rate"))
    figures: dict[str, Decimal | int | str] = {"early_withdrawal_tax": result.additional_tax}
    if result.income_tax is not None:
        figures["early_withdrawal_income_tax"] = result.income_tax
    withheld, check = plan_cash_payout(amount)
    figures |= {"plan_withholding": withheld, "plan_check": check}
    return Computed(figures, assumptions=inputs.assumptions)
