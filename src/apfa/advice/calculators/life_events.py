"""Calculators for life events: a year of child care and what a dependent care FSA saves,
the most COBRA may cost, a windfall's withholding and the part above deposit insurance, and
the gap unpaid or partly paid leave leaves in a budget."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator
from apfa.advice.calculators.housing import HUNDRED, cents
from apfa.finance.parameters import value as parameter

ZERO = Decimal(0)


@calculator(
    "child_care",
    child_care_yearly="money",
    dependent_care_fsa_limit="money",
    fsa_tax_saving="money",
)
def child_care(inputs: Inputs) -> Computed | None:
    """A year of child care, the 2026 dependent care FSA limit and, at a stated bracket, the
    federal income and payroll tax the FSA saves on what it covers."""
    monthly = inputs.money("child_care_monthly")
    limit = parameter("dependent_care_fsa_limit_2026")
    if monthly is None and inputs.percent("tax_rate") is None:
        return None
    figures: dict[str, Decimal | int | str] = {"dependent_care_fsa_limit": limit}
    covered = limit
    if monthly is not None:
        figures["child_care_yearly"] = monthly * 12
        covered = min(limit, monthly * 12)
    bracket = inputs.percent("tax_rate")
    if bracket is not None:
        rate = bracket / HUNDRED + parameter("fica_employee_rate")
        figures["fsa_tax_saving"] = cents(covered * rate)
        inputs.assume("wages below the Social Security wage base; state tax not included")
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("cobra", cobra_max_monthly="money", cobra_max_yearly="money")
def cobra(inputs: Inputs) -> Computed | None:
    """The most COBRA may charge: the full premium (yours and your employer's share) plus 2%."""
    premium = inputs.money("health_premium_full")
    if premium is None:
        return None
    monthly = cents(premium * parameter("cobra_max_premium_share"))
    return Computed({"cobra_max_monthly": monthly, "cobra_max_yearly": monthly * 12})


@calculator(
    "windfall",
    windfall_withheld="money",
    windfall_after_withholding="money",
    windfall_uninsured="money",
)
def windfall(inputs: Inputs) -> Computed | None:
    """What was withheld from a windfall and what is left, and how much of it one
    single-owner account at one bank would leave above FDIC insurance."""
    amount = inputs.money("windfall_amount")
    if amount is None or amount <= 0:
        return None
    figures: dict[str, Decimal | int | str] = {}
    kept = amount
    withheld_pct = inputs.percent("windfall_withholding_pct")
    if withheld_pct is not None and 0 < withheld_pct < HUNDRED:
        withheld = cents(amount * withheld_pct / HUNDRED)
        kept = amount - withheld
        figures |= {"windfall_withheld": withheld, "windfall_after_withholding": kept}
    figures["windfall_uninsured"] = max(kept - parameter("fdic_insured_limit"), ZERO)
    return Computed(figures)


@calculator(
    "leave_gap",
    leave_cost="money",
    leave_benefit_total="money",
    leave_from_savings="money",
    leave_short="money",
    leave_savings_left="money",
)
def leave_gap(inputs: Inputs) -> Computed | None:
    """Months of leave at the essential budget, less what the leave pays: what savings must
    cover, and what is short or left over."""
    months = inputs.whole("leave_months")
    expenses = inputs.money("monthly_expenses")
    if not months or months <= 0 or expenses is None:
        return None
    cost = expenses * months
    benefit = (inputs.money("leave_benefit_monthly") or ZERO) * months
    needed = max(cost - benefit, ZERO)
    figures: dict[str, Decimal | int | str] = {"leave_cost": cost, "leave_from_savings": needed}
    if benefit:
        figures["leave_benefit_total"] = benefit
    saved = inputs.money("savings")
    if saved is not None:
        figures["leave_short"] = max(needed - saved, ZERO)
        figures["leave_savings_left"] = max(saved - needed, ZERO)
    return Computed(figures)
