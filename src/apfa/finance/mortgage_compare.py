"""FHA against conventional financing for the same purchase.

Money is ``Decimal`` cents, rates annual percent. For each program:

* FHA: base loan = price - down payment; the 1.75% upfront MIP is financed (loan amount = base
  + upfront); P&I on the loan amount; annual MIP rate from the ML 2023-05 grid by term, base
  loan and LTV (base loan / price); the monthly charge by HUD's method, recomputed each loan
  year (:mod:`apfa.finance.mortgage_insurance`); charged 11 years at LTV <= 90%, else the term.
  Eligibility (ML 2010-29): score 580+ needs 3.5% down, 500-579 needs 10%, below 500 none.
* Conventional: base loan = loan amount; P&I on it; PMI from the APFA grid in
  :mod:`apfa.finance.ratios` (LTV rounded to 4 places, as the grid is keyed), the same amount
  every month until the Homeowners Protection Act ends it (the payment first scheduled to reach
  78% of the price, at the latest the midpoint of the term); cancellation can be asked at 80%.
  Needs 3% down (97% LTV); a base loan above the 2026 baseline conforming limit is flagged.

``total_monthly`` is year-one P&I plus insurance; property taxes and homeowners insurance are
the same for both and are left out. County FHA loan limits are not checked.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.loans import monthly_payment
from apfa.finance.money import (
    HUNDRED,
    ZERO,
    Number,
    cents,
    ratio4,
    require_non_negative,
    require_positive,
    require_term,
)
from apfa.finance.mortgage_insurance import (
    fha_annual_mip_rate,
    fha_mip_by_year,
    fha_mip_months,
    pmi_removal,
)
from apfa.finance.parameters import CONFORMING_LOAN_LIMIT, FHA_UPFRONT_MIP_RATE, value
from apfa.finance.ratios import ltv, pmi_annual_rate_pct, pmi_monthly_estimate

Program = Literal["fha", "conventional"]

_FHA_MIN_SCORE = int(value("fha_min_credit_score"))
_FHA_FULL_SCORE = int(value("fha_max_financing_min_score"))
_FHA_DOWN_FULL = value("fha_min_down_payment_580")
_FHA_DOWN_LOW_SCORE = value("fha_min_down_payment_500")
_CONVENTIONAL_DOWN = value("conventional_min_down_payment")
_PCT = Decimal("0.01")


@dataclass(frozen=True)
class MortgageOption:
    """One program's figures (see the module docstring).

    ``insurance_months``: months with mortgage insurance (0 when none);
    ``insurance_cancel_request_month``: the payment at which conventional PMI can be cancelled
    on request (``None`` for FHA, whose annual MIP cannot be cancelled);
    ``insurance_total``: all monthly insurance charges over ``insurance_months`` (FHA: the
    year-by-year HUD amounts), excluding the upfront premium.
    """

    program: Program
    eligible: bool
    notes: tuple[str, ...]
    base_loan: Decimal
    loan_to_value: Decimal
    upfront_premium: Decimal
    loan_amount: Decimal
    annual_rate_pct: Decimal
    principal_and_interest: Decimal
    insurance_annual_rate_pct: Decimal
    monthly_insurance: Decimal
    total_monthly: Decimal
    insurance_months: int
    insurance_cancel_request_month: int | None
    insurance_total: Decimal


@dataclass(frozen=True)
class FhaVsConventional:
    """Result of :func:`fha_vs_conventional`; ``monthly_difference`` is FHA minus conventional."""

    price: Decimal
    down_payment: Decimal
    down_payment_pct: Decimal
    fha: MortgageOption
    conventional: MortgageOption
    monthly_difference: Decimal


def _fha_notes(score: int, down_share: Decimal) -> tuple[str, ...]:
    if score < _FHA_MIN_SCORE:
        return (f"FHA needs a credit score of at least {_FHA_MIN_SCORE}",)
    needed = _FHA_DOWN_FULL if score >= _FHA_FULL_SCORE else _FHA_DOWN_LOW_SCORE
    if down_share < needed:
        return (f"FHA needs at least {needed * 100:.1f}% down with a score of {score}",)
    return ()


def _fha(price: Decimal, down: Decimal, score: int, rate: Decimal, months: int) -> MortgageOption:
    base = price - down
    exact_ltv = base / price
    upfront = cents(base * FHA_UPFRONT_MIP_RATE)
    amount = base + upfront
    mip_rate = fha_annual_mip_rate(base, exact_ltv, months)
    mip_months = fha_mip_months(exact_ltv, months)
    by_year = fha_mip_by_year(amount, rate, months, mip_rate, mip_months)
    total = sum((charge * min(12, mip_months - 12 * i) for i, charge in enumerate(by_year)), ZERO)
    payment = monthly_payment(amount, rate, months)
    notes = _fha_notes(score, down / price)
    return MortgageOption(
        program="fha",
        eligible=not notes,
        notes=notes,
        base_loan=base,
        loan_to_value=ratio4(exact_ltv),
        upfront_premium=upfront,
        loan_amount=amount,
        annual_rate_pct=rate,
        principal_and_interest=payment,
        insurance_annual_rate_pct=(mip_rate * HUNDRED).quantize(_PCT),
        monthly_insurance=by_year[0],
        total_monthly=payment + by_year[0],
        insurance_months=mip_months,
        insurance_cancel_request_month=None,
        insurance_total=total,
    )


def _conventional(
    price: Decimal, down: Decimal, score: int, rate: Decimal, months: int
) -> MortgageOption:
    base = price - down
    loan_ltv = ltv(base, price)
    pmi = pmi_monthly_estimate(base, loan_ltv, score)
    payment = monthly_payment(base, rate, months)
    removal = pmi_removal(base, rate, months, price)
    insured = removal.automatic_termination_month if pmi > 0 else 0
    notes: list[str] = []
    if down / price < _CONVENTIONAL_DOWN:
        notes.append(f"conventional loans need at least {_CONVENTIONAL_DOWN * 100:.0f}% down")
    eligible = not notes
    if base > CONFORMING_LOAN_LIMIT:
        notes.append(
            f"the loan is above the 2026 baseline conforming limit (${CONFORMING_LOAN_LIMIT:,}):"
            " a jumbo loan unless the county limit is higher; PMI grid figures may not apply"
        )
    return MortgageOption(
        program="conventional",
        eligible=eligible,
        notes=tuple(notes),
        base_loan=base,
        loan_to_value=loan_ltv,
        upfront_premium=cents(ZERO),
        loan_amount=base,
        annual_rate_pct=rate,
        principal_and_interest=payment,
        insurance_annual_rate_pct=pmi_annual_rate_pct(loan_ltv, score),
        monthly_insurance=pmi,
        total_monthly=payment + pmi,
        insurance_months=insured,
        insurance_cancel_request_month=removal.scheduled_request_month if pmi > 0 else 0,
        insurance_total=pmi * insured,
    )


def fha_vs_conventional(
    price: Number,
    down_payment: Number,
    credit_score: int,
    rate_fha_pct: Number,
    rate_conventional_pct: Number,
    term_months: int,
) -> FhaVsConventional:
    """Both programs' loan, insurance and monthly cost for one purchase (module docstring).

    A $300,000 home with $10,500 down (3.5%), score 680, FHA at 6.25% and conventional at
    6.75% for 30 years: FHA lends 294,566.25 (5,066.25 upfront MIP) at 1,813.70 P&I + 131.98
    MIP (0.55%) = 1,945.68, MIP for the life of the loan; conventional lends 289,500.00 at
    1,877.69 P&I + 291.91 PMI (1.21%) = 2,169.60, PMI cancellable at payment 134 and ending at
    payment 145.
    """
    home_price = cents(require_positive("price", price))
    down = cents(require_non_negative("down_payment", down_payment))
    if down >= home_price:
        raise ValueError("down_payment must be less than price: no loan is needed")
    n = require_term(term_months)
    if isinstance(credit_score, bool) or not isinstance(credit_score, int):
        raise ValueError(f"credit_score must be an int, got {credit_score!r}")
    fha_rate = require_non_negative("rate_fha_pct", rate_fha_pct)
    conventional_rate = require_non_negative("rate_conventional_pct", rate_conventional_pct)
    fha = _fha(home_price, down, credit_score, fha_rate, n)
    conventional = _conventional(home_price, down, credit_score, conventional_rate, n)
    return FhaVsConventional(
        price=cents(home_price),
        down_payment=cents(down),
        down_payment_pct=ratio4(down / home_price),
        fha=fha,
        conventional=conventional,
        monthly_difference=fha.total_monthly - conventional.total_monthly,
    )
