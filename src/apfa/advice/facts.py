"""The facts the advisor knows about a person's situation: names, kinds and units.

Facts come from the profile a client sends, from the question's text (``extraction``)
and, in a conversation, from earlier turns. Calculators read them, playbook conditions
test them and answers quote them. Every fact has one kind, which fixes its unit:

* ``money``: US dollars (``Decimal``); monthly amounts say so in their name.
* ``percent``: percent units (``Decimal("6.5")`` is 6.5 %), rates nominal per year.
* ``months``, ``years``, ``count``: whole numbers.
* ``score``: a credit score, 300-850.
* ``text``: one of a few words (``loan_type``, ``plan``...).
* ``list``: several values of one kind (``rates``, ``terms_months``: options to compare).
* ``debts``: a list of debts, each with ``balance``, ``apr`` and ``min_payment``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Kind = Literal["money", "percent", "months", "years", "count", "score", "text", "list", "debts"]


@dataclass(frozen=True, slots=True)
class FactSpec:
    name: str
    kind: Kind
    label: str  # how an answer names it: "annual income"


def _specs(*rows: tuple[str, Kind, str]) -> dict[str, FactSpec]:
    return {name: FactSpec(name, kind, label) for name, kind, label in rows}


FACTS: dict[str, FactSpec] = _specs(
    # income, spending and savings
    ("annual_income", "money", "annual income (gross)"),
    ("monthly_income", "money", "gross monthly income"),
    ("take_home_monthly", "money", "monthly take-home pay"),
    ("needs_monthly", "money", "monthly spending on needs"),
    ("wants_monthly", "money", "monthly spending on wants"),
    ("monthly_debt_payments", "money", "monthly debt payments"),
    ("monthly_expenses", "money", "monthly expenses"),
    ("savings", "money", "savings"),
    ("monthly_savings", "money", "monthly savings"),
    ("rent", "money", "monthly rent"),
    # the loan asked about (or the existing one)
    ("loan_type", "text", "loan type"),
    ("loan_amount", "money", "loan amount"),
    ("loan_balance", "money", "remaining balance"),
    ("home_price", "money", "home price"),
    ("home_value", "money", "current home value"),
    ("original_value", "money", "value when the loan was made"),
    ("down_payment", "money", "down payment"),
    ("down_payment_pct", "percent", "down payment"),
    ("interest_rate", "percent", "interest rate"),
    ("new_rate", "percent", "new interest rate"),
    ("rates", "list", "interest rates compared"),
    ("term_months", "months", "loan term"),
    ("new_term_months", "months", "the new loan's term"),
    ("terms_months", "list", "loan terms compared"),
    ("down_payment_pcts", "list", "down payments compared, as percents of the price"),
    ("remaining_months", "months", "months left on the loan"),
    ("payments_made", "count", "payments made"),
    ("current_payment", "money", "current monthly payment"),
    ("payment_reduction", "money", "monthly payment reduction a new loan would give"),
    ("extra_payment", "money", "extra monthly payment"),
    ("payment_budget", "money", "monthly amount for paying debt"),
    ("closing_costs", "money", "closing costs"),
    ("cash_needed", "money", "cash to take out of the home's equity"),
    ("closing_costs_priced", "money", "closing costs priced as a percent of the loan"),
    ("closing_costs_paid", "text", "how the closing costs are paid"),
    ("deferred_this_year", "money", "put into the workplace plan so far this year"),
    ("earnest_money", "money", "earnest money deposit"),
    ("seller_credit", "money", "seller credit"),
    ("emergency_reserve", "money", "savings kept back as an emergency fund"),
    ("heloc_rate", "percent", "HELOC rate"),
    ("points", "percent", "discount points"),
    ("points_cost", "money", "cost of the points"),
    ("arm_rate", "percent", "ARM's starting rate"),
    ("fixed_rate", "percent", "fixed rate quoted"),
    ("pmi_rate", "percent", "mortgage insurance premium (per year)"),
    ("max_dti", "percent", "lender's debt-to-income limit"),
    ("fee_pct", "percent", "fee"),
    ("credit_score", "score", "credit score"),
    ("hoa_monthly", "money", "monthly HOA dues"),
    ("property_tax_annual", "money", "yearly property tax"),
    ("mortgage_interest_paid", "money", "mortgage interest paid in the year"),
    ("filing_status", "text", "tax filing status"),
    ("insurance_annual", "money", "yearly homeowners insurance"),
    ("taxes_insurance_monthly", "money", "monthly property tax and homeowners insurance"),
    ("pmi_monthly", "money", "monthly mortgage insurance quoted"),
    # adjustable-rate mortgages
    ("index_rate", "percent", "index rate"),
    ("margin", "percent", "margin"),
    ("initial_cap", "percent", "first-adjustment cap"),
    ("periodic_cap", "percent", "periodic cap"),
    ("lifetime_cap", "percent", "lifetime cap"),
    ("fixed_years", "years", "fixed-rate period"),
    # credit cards and other debts
    ("debts", "debts", "debts"),
    ("card_balance", "money", "credit card balance"),
    ("apr", "percent", "APR"),
    ("min_payment", "money", "minimum payment"),
    ("promo_apr", "percent", "promotional APR"),
    ("promo_months", "months", "promotional period"),
    ("transfer_fee_pct", "percent", "balance transfer fee"),
    ("card_limits", "debts", "each card's balance and limit"),
    ("credit_limit", "money", "credit limit"),
    ("card_paydown", "money", "amount paid off a card"),
    ("changed_amount", "money", "the amount a follow-up changes a figure to"),
    ("paid_card_limit", "money", "limit of the card paid down"),
    ("card_balance_to", "money", "a card's balance after paying it down"),
    ("paid_card_number", "count", "which card is paid down, by its number"),
    ("payday_fee", "money", "payday loan fee"),
    ("payday_amount", "money", "payday loan amount"),
    ("payday_fee_per", "money", "amount each payday fee is charged on (the $100 of $15 per $100)"),
    ("rollovers", "count", "rollovers"),
    ("payday_fees_paid", "count", "payday fees paid in all, the first one included"),
    ("cosign_payment", "money", "payment of the loan to co-sign"),
    ("monthly_fee_pct", "percent", "fee each month (percent of the loan)"),
    ("plan_payment", "money", "monthly repayment plan payment"),
    ("payday_days", "count", "payday loan length in days"),
    # cars
    ("car_price", "money", "car price"),
    ("trade_in_value", "money", "trade-in value"),
    ("amount_owed", "money", "amount still owed"),
    ("lease_payment", "money", "monthly lease payment"),
    ("lease_months", "months", "lease term"),
    ("buy_payment", "money", "monthly loan payment to buy instead of leasing"),
    ("buy_months", "months", "loan term to buy instead of leasing"),
    ("miles_allowed", "count", "miles the lease allows"),
    ("miles_allowed_per_year", "count", "miles the lease allows a year"),
    ("miles_expected", "count", "miles you expect to drive over the lease"),
    ("miles_expected_per_year", "count", "miles you drive a year"),
    ("excess_mile_fee", "money", "charge for each mile over"),
    ("due_at_signing", "money", "due at signing"),
    ("residual_value", "money", "residual value"),
    ("money_factor", "percent", "money factor (as a decimal)"),
    # retirement, investing, taxes
    ("employer_match_pct", "percent", "employer match limit (percent of pay)"),
    ("match_rate_pct", "percent", "employer match rate"),
    ("contribution_pct", "percent", "your contribution (percent of pay)"),
    ("retirement_balance", "money", "retirement account balance"),
    ("return_rate", "percent", "expected annual return"),
    ("monthly_contribution", "money", "monthly contribution"),
    ("horizon_years", "years", "time horizon"),
    ("horizon_months", "months", "time horizon in months"),
    ("savings_goal", "money", "savings goal"),
    ("expense_ratio", "percent", "expense ratio"),
    ("other_expense_ratio", "percent", "the other fund's expense ratio"),
    ("fund_balance", "money", "amount in the fund"),
    ("invested_amount", "money", "amount invested"),
    ("tax_rate", "percent", "marginal tax rate"),
    ("age", "count", "age"),
    ("withdrawal_amount", "money", "amount taken out of a retirement account"),
    ("severance", "money", "severance pay"),
    ("child_care_monthly", "money", "child care a month"),
    ("windfall_amount", "money", "inheritance, prize or settlement"),
    ("windfall_withholding_pct", "percent", "tax withheld from it"),
    ("health_premium_full", "money", "full monthly health premium"),
    ("leave_months", "months", "months of leave"),
    ("leave_benefit_monthly", "money", "leave benefit a month"),
    ("pay_periods", "count", "paychecks a year"),
    # student loans
    ("student_balance", "money", "student loan balance"),
    ("agi", "money", "adjusted gross income"),
    ("family_size", "count", "family size"),
    ("dependents", "count", "dependents"),
    ("qualifying_payments", "count", "qualifying payments made"),
    # collections and hardship
    ("debt_amount", "money", "amount of the debt"),
    ("settlement_pct", "percent", "settlement offer"),
    ("missed_payments", "count", "missed payments"),
    ("late_fee", "money", "late fee"),
)

LOAN_TYPES = ("mortgage", "auto", "personal", "student", "heloc", "refinance", "credit_card")


def spec(name: str) -> FactSpec:
    try:
        return FACTS[name]
    except KeyError:
        raise KeyError(f"unknown fact {name!r}") from None
