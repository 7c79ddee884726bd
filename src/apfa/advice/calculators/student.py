"""Calculators for federal student loans: the repayment plans' payments and the payments
left to Public Service Loan Forgiveness."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Comparison, Computed, Inputs, calculator
from apfa.advice.formatting import money, percent
from apfa.finance.loans import monthly_payment, total_interest
from apfa.finance.student_loans import pslf_remaining
from apfa.finance.student_loans import student_loan_plans as plans


@calculator(
    "student_loan_plans",
    standard_payment="money",
    standard_total_interest="money",
    rap_payment="money",
    ibr_payment="money",
)
def student_loan_plans(inputs: Inputs) -> Computed | None:
    balance = inputs.money("student_balance", "loan_balance", "loan_amount")
    loan_rate = inputs.percent("interest_rate")
    if balance is None or loan_rate is None:
        return None
    agi = inputs.money("agi", "annual_income")
    if agi is None:
        months_ = 120
        payment = monthly_payment(balance, loan_rate, months_)
        return Computed(
            {
                "standard_payment": payment,
                "standard_total_interest": total_interest(balance, loan_rate, months_),
            }
        )
    size = inputs.whole("family_size") or 1
    dependents = inputs.whole("dependents") or 0
    result = plans(balance, loan_rate, agi, size, dependents)
    figures: dict[str, Decimal | int | str] = {
        "standard_payment": result.standard_payment,
        "standard_total_interest": result.standard_total_interest,
        "rap_payment": result.rap_payment,
        "ibr_payment": result.ibr_new_borrower_payment,
    }
    table = Comparison(
        f"Federal plans for {money(balance)} at {percent(loan_rate)}",
        ["plan", "monthly payment"],
        [
            ["standard (10 years)", money(result.standard_payment)],
            ["Repayment Assistance Plan", money(result.rap_payment)],
            ["income-based (new borrowers)", money(result.ibr_new_borrower_payment)],
        ],
    )
    return Computed(figures, [table], inputs.assumptions)


@calculator("pslf", payments_remaining="count")
def pslf(inputs: Inputs) -> Computed | None:
    made = inputs.whole("qualifying_payments", "payments_made")
    if made is None:
        return None
    return Computed({"payments_remaining": pslf_remaining(made)})
