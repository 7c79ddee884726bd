"""Calculators for what a person can afford: the 28/36 and 43% budgets, the ratios of a
planned purchase (its full housing payment, PMI and escrow included), the ratios of a
stated payment and a co-signed loan's effect on them."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator
from apfa.advice.calculators.housing import HUNDRED, UNKNOWN_SCORE, cents, pct
from apfa.advice.calculators.loans import principal, rate, term_months
from apfa.finance.affordability import max_affordable_loan
from apfa.finance.housing_costs import monthly_escrow
from apfa.finance.loans import monthly_payment
from apfa.finance.ratios import PMI_FREE_LTV, pmi_monthly_estimate


def monthly_income(inputs: Inputs) -> Decimal | None:
    monthly = inputs.money("monthly_income")
    if monthly is not None:
        return monthly
    annual = inputs.money("annual_income", "agi")
    return cents(annual / 12) if annual is not None else None


@calculator(
    "affordability",
    max_housing_payment_28="money",
    max_total_debt_36="money",
    max_total_debt_43="money",
    max_housing_payment_43="money",
    max_housing_payment_36="money",
    max_total_debt_limit="money",
    max_housing_payment_limit="money",
    max_affordable_loan="money",
    dti_front="percent",
    dti_back="percent",
    dti_current="percent",
    gross_monthly_income="money",
    new_loan_amount="money",
    new_principal_interest="money",
    new_pmi_monthly="money",
    new_taxes_insurance_monthly="money",
    new_housing_payment="money",
    down_payment_share="percent",
)
def affordability(inputs: Inputs) -> Computed | None:
    income = monthly_income(inputs)
    if income is None:
        return None
    debts = inputs.money("monthly_debt_payments")
    if debts is None:
        debts = Decimal(0)
        inputs.assume("no other monthly debt payments assumed (none were given)")
    figures: dict[str, Decimal | int | str] = {}
    housing = inputs.money("current_payment")
    planned = _planned_purchase(inputs) if housing is None else None
    if planned is not None:
        housing = planned["new_housing_payment"]
    if housing is not None and income > 0:  # the ratios asked for lead the numbers
        figures["dti_front"] = pct(housing, income)
        figures["dti_back"] = pct(housing + debts, income)
    figures |= planned or {}
    figures |= {
        "max_housing_payment_28": cents(income * Decimal("0.28")),
        "max_total_debt_36": cents(income * Decimal("0.36")),
        "max_total_debt_43": cents(income * Decimal("0.43")),
        "max_housing_payment_43": cents(income * Decimal("0.43")) - debts,
        "gross_monthly_income": cents(income),
    }
    if debts > 0:
        figures["dti_current"] = pct(debts, income)
        figures["max_housing_payment_36"] = cents(income * Decimal("0.36")) - debts
    limit_pct = inputs.percent("max_dti")
    if limit_pct is not None and 0 < limit_pct < HUNDRED:
        allowed = cents(income * limit_pct / HUNDRED)
        figures["max_total_debt_limit"] = allowed
        figures["max_housing_payment_limit"] = allowed - debts
    n = term_months(inputs)
    r = rate(inputs, n)
    annual = income * 12
    limit = max_affordable_loan(annual, debts, r, n)
    figures["max_affordable_loan"] = limit.max_loan
    return Computed(figures, assumptions=inputs.assumptions)


def _planned_purchase(inputs: Inputs) -> dict[str, Decimal] | None:
    """The housing payment of a purchase whose price and down payment (or loan) are known:
    principal and interest, PMI above 80% LTV, and taxes and insurance (the stated tax
    and HOA dues, or estimates from the price) - what the ratios of that price are tested on.
    """
    price = inputs.money("home_price")
    stated = ("down_payment", "down_payment_pct", "loan_amount")
    if price is None or price <= 0 or all(inputs.raw(name) is None for name in stated):
        return None
    amount = principal(inputs)
    if amount is None or amount > price:
        return None
    n = term_months(inputs)
    principal_interest = monthly_payment(amount, rate(inputs, n), n)
    insured = Decimal(0)
    if amount / price > PMI_FREE_LTV:
        insured = mortgage_insurance(inputs, amount, price)
    escrow = stated_escrow(inputs, price)
    return {
        "new_housing_payment": principal_interest + insured + escrow,
        "down_payment_share": pct(price - amount, price),
        "new_loan_amount": amount,
        "new_principal_interest": principal_interest,
        "new_pmi_monthly": insured,
        "new_taxes_insurance_monthly": escrow,
    }


def mortgage_insurance(inputs: Inputs, amount: Decimal, price: Decimal) -> Decimal:
    """PMI a month: as quoted, else from a stated yearly rate, else estimated."""
    quoted = inputs.money("pmi_monthly")
    if quoted is not None:
        return quoted
    yearly = inputs.percent("pmi_rate")
    if yearly is not None:
        return cents(amount * yearly / HUNDRED / 12)
    score = inputs.whole("credit_score")
    if score is None:
        inputs.assume("PMI estimated for a credit score of 680-699 (no score was given)")
    return pmi_monthly_estimate(amount, amount / price, score or UNKNOWN_SCORE)


def stated_escrow(inputs: Inputs, price: Decimal) -> Decimal:
    """Taxes, insurance and HOA dues a month: what was stated, else estimated (and said)."""
    escrow = monthly_escrow(
        price,
        property_tax_annual=inputs.money("property_tax_annual"),
        insurance_annual=inputs.money("insurance_annual"),
        hoa_monthly=inputs.money("hoa_monthly"),
        taxes_insurance_monthly=inputs.money("taxes_insurance_monthly"),
    )
    if escrow.tax_estimated:
        inputs.assume("property tax estimated at 1.10% of the price a year")
    if escrow.insurance_estimated:
        inputs.assume("homeowners insurance estimated at 0.35% of the price a year")
    return escrow.monthly


@calculator(
    "cosign_dti",
    dti_before_cosign="percent",
    dti_after_cosign="percent",
    cosign_added_payment="money",
)
def cosign_dti(inputs: Inputs) -> Computed | None:
    """Your debt-to-income ratio before and after adding a co-signed loan's payment, which
    lenders count as your own debt."""
    income, added = monthly_income(inputs), inputs.money("cosign_payment")
    if added is None and inputs.money("loan_amount") is not None:
        # the loan's own payment, from its amount, rate and term
        n = term_months(inputs)
        added = monthly_payment(inputs.money("loan_amount") or Decimal(0), rate(inputs, n), n)
    if income is None or not income or added is None:
        return None
    debts = (inputs.money("monthly_debt_payments") or Decimal(0)) + (
        inputs.money("current_payment") or Decimal(0)
    )
    return Computed(
        {
            "dti_before_cosign": pct(debts, income),
            "dti_after_cosign": pct(debts + added, income),
            "cosign_added_payment": added,
        },
        assumptions=inputs.assumptions,
    )


@calculator(
    "ratios",
    dti_front="percent",
    dti_back="percent",
    monthly_income="money",
    gross_monthly_income="money",
)
def ratios(inputs: Inputs) -> Computed | None:
    income = monthly_income(inputs)
    debts = inputs.money("monthly_debt_payments")
    if income is None or income <= 0 or debts is None:
        return None
    figures: dict[str, Decimal | int | str] = {
        "monthly_income": income,
        "gross_monthly_income": income,  # listed in the answer; a fact's name is not
        "dti_back": pct(debts, income),
    }
    housing = inputs.money("current_payment", "rent")
    if housing is not None:
        figures["dti_front"] = pct(housing, income)
        figures["dti_back"] = pct(housing + debts, income)
    return Computed(figures, assumptions=inputs.assumptions)
