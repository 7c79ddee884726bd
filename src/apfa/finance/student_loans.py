"""Federal student loans: standard, tiered standard, RAP and IBR payments; PSLF; consolidation.

Figures and their sources are in :mod:`apfa.finance.parameters`. Money is ``Decimal`` cents,
rates annual percent, AGI a yearly dollar amount.

* Standard (loans made before 2026-07-01): the 10-year level payment and its total interest.
* Tiered standard (loans made on or after 2026-07-01): 10, 15, 20 or 25 years by the balance
  (under $25,000, $50,000, $100,000, or more).
* RAP (from 2026-07-01): a share of the *whole* AGI by band (a flat $120 a year at $10,000 or
  less, 1% above it up to $20,000, one point more per $10,000, 10% above $100,000), divided
  by 12 and rounded to cents, less $50 per dependent, at least $10. Its interest waiver and
  principal match change the balance, not the payment, and are not modelled here.
* IBR: 10% (new borrowers: no balance on 2014-07-01) or 15% of discretionary income (AGI above
  150% of the 2026 HHS poverty guideline for the family size, 48 states and DC) / 12, rounded
  to cents, capped at the 10-year standard payment on today's balance (the rule uses the
  balance when IBR began); under $5 it is $0 and from $5 to under $10 it is $10.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_CEILING, Decimal

from apfa.finance.loans import amortization_schedule, monthly_payment
from apfa.finance.money import (
    TWELVE,
    ZERO,
    Number,
    cents,
    require_count,
    require_non_negative,
)
from apfa.finance.parameters import RAP_AGI_BANDS, value

STANDARD_MONTHS = int(value("standard_repayment_months"))
_TIERS: tuple[tuple[Decimal | None, int], ...] = (
    (Decimal(25_000), int(value("tiered_standard_months_under_25000"))),
    (Decimal(50_000), int(value("tiered_standard_months_under_50000"))),
    (Decimal(100_000), int(value("tiered_standard_months_under_100000"))),
    (None, int(value("tiered_standard_months_100000_plus"))),
)


def poverty_guideline(family_size: int) -> Decimal:
    """2026 HHS poverty guideline, 48 contiguous states and DC: 15,960 + 5,680 per extra person."""
    size = require_count("family_size", family_size, minimum=1)
    first = value("poverty_guideline_first_person_2026")
    return first + value("poverty_guideline_additional_person_2026") * (size - 1)


def tiered_standard_months(balance: Number) -> int:
    """Term of the tiered standard plan for a total balance."""
    owed = require_non_negative("balance", balance)
    return next(months for bound, months in _TIERS if bound is None or owed < bound)


def rap_agi_share(agi: Number) -> Decimal | None:
    """RAP share of the whole AGI, or ``None`` at or below $10,000 (the flat $120 a year)."""
    income = require_non_negative("agi", agi)
    if income <= value("rap_low_income_agi"):
        return None
    return next(share for bound, share in RAP_AGI_BANDS if bound is None or income <= bound)


def rap_payment(agi: Number, dependents: int) -> Decimal:
    """RAP monthly payment: AGI $65,000 with 2 dependents -> 6% = 3,900 a year, 325.00 a month,
    less 100.00 = 225.00."""
    income = require_non_negative("agi", agi)
    count = require_count("dependents", dependents)
    share = rap_agi_share(income)
    annual = value("rap_low_income_annual_payment") if share is None else income * share
    monthly = cents(annual / TWELVE) - value("rap_dependent_reduction_monthly") * count
    return max(monthly, cents(value("rap_minimum_monthly_payment")))


def ibr_payment(agi: Number, family_size: int, share: Decimal, cap: Decimal) -> Decimal:
    """IBR monthly payment for an income ``share`` (0.10 or 0.15), capped at ``cap``."""
    income = require_non_negative("agi", agi)
    discretionary = max(
        income - value("ibr_poverty_multiple") * poverty_guideline(family_size), ZERO
    )
    monthly = min(cents(discretionary * share / TWELVE), cap)
    if monthly < value("ibr_zero_payment_below"):
        return cents(ZERO)
    return max(monthly, cents(value("ibr_minimum_nonzero_payment")))


@dataclass(frozen=True)
class StudentLoanPlans:
    """Result of :func:`student_loan_plans` (see the module docstring for each plan)."""

    balance: Decimal
    rate_pct: Decimal
    standard_months: int
    standard_payment: Decimal
    standard_total_interest: Decimal
    tiered_standard_months: int
    tiered_standard_payment: Decimal
    tiered_standard_total_interest: Decimal
    rap_agi_share: Decimal | None
    rap_payment: Decimal
    poverty_guideline: Decimal
    discretionary_income: Decimal
    ibr_new_borrower_payment: Decimal
    ibr_old_borrower_payment: Decimal


def _interest(balance: Decimal, rate: Decimal, months: int) -> Decimal:
    return sum((row.interest for row in amortization_schedule(balance, rate, months)), ZERO)


def student_loan_plans(
    balance: Number, rate_pct: Number, agi: Number, family_size: int, dependents: int
) -> StudentLoanPlans:
    """Monthly payment under each plan for one borrower.

    $45,000 at 6.39%, AGI $65,000, family of 3 with 2 dependents: standard 508.45 (16,014.08
    interest over 10 years); tiered standard 15 years, 389.28; RAP 225.00 (6%); IBR 200.17 for
    a new borrower (10% of 65,000 - 1.5 x 27,320 = 24,020, / 12) and 300.25 for an older one.
    """
    owed = cents(require_non_negative("balance", balance))
    rate = require_non_negative("rate_pct", rate_pct)
    standard = monthly_payment(owed, rate, STANDARD_MONTHS)
    tiered = tiered_standard_months(owed)
    guideline = poverty_guideline(family_size)
    income = require_non_negative("agi", agi)
    return StudentLoanPlans(
        balance=owed,
        rate_pct=rate,
        standard_months=STANDARD_MONTHS,
        standard_payment=standard,
        standard_total_interest=_interest(owed, rate, STANDARD_MONTHS),
        tiered_standard_months=tiered,
        tiered_standard_payment=monthly_payment(owed, rate, tiered),
        tiered_standard_total_interest=_interest(owed, rate, tiered),
        rap_agi_share=rap_agi_share(income),
        rap_payment=rap_payment(income, dependents),
        poverty_guideline=cents(guideline),
        discretionary_income=cents(max(income - value("ibr_poverty_multiple") * guideline, ZERO)),
        ibr_new_borrower_payment=ibr_payment(
            income, family_size, value("ibr_new_borrower_share"), standard
        ),
        ibr_old_borrower_payment=ibr_payment(
            income, family_size, value("ibr_old_borrower_share"), standard
        ),
    )


def pslf_remaining(payments_made: int) -> int:
    """Qualifying payments still needed for Public Service Loan Forgiveness (120 in all)."""
    made = require_count("payments_made", payments_made)
    return max(int(value("pslf_qualifying_payments")) - made, 0)


def consolidation_rate(loans: Sequence[tuple[Number, Number]]) -> Decimal:
    """Direct Consolidation Loan rate: the balance-weighted average of ``(balance, rate_pct)``
    rounded up to the next 1/8 point, 3 decimals: $5,000 at 4.3% and $6,000 at 2.3% average
    3.209%, so 3.250."""
    if not loans:
        raise ValueError("loans must name at least one (balance, rate_pct) pair")
    pairs = [
        (require_non_negative("balance", b), require_non_negative("rate_pct", r)) for b, r in loans
    ]
    total = sum((b for b, _ in pairs), ZERO)
    if total == 0:
        raise ValueError("the balances must not all be 0")
    average = sum((b * r for b, r in pairs), ZERO) / total
    step = value("consolidation_rate_rounding")
    eighths = (average / step).to_integral_value(rounding=ROUND_CEILING)
    return (eighths * step).quantize(Decimal("0.001"))
