"""Mortgage insurance over time: FHA annual MIP (rate, HUD's monthly amount, duration) and when
conventional PMI can be cancelled or ends.

FHA (figures in :mod:`apfa.finance.parameters`): the annual rate comes from the grid of HUD
Mortgagee Letter 2023-05 by term (over 15 years or not), base loan amount (above $726,200 or
not) and LTV (base loan / value, compared unrounded); it is charged for 11 years when the
original LTV is at most 90%, otherwise for the whole term (ML 2013-04). The monthly amount
follows HUD's published method ("Monthly (Periodic) Mortgage Insurance Premium Calculation",
hud.gov): the year's average scheduled balance of the whole loan, times the annual rate, divided
by ``1 + upfront rate`` when the upfront premium is financed, divided by 12, each step rounded to
cents; the schedule rounds ``balance * rate`` to cents, then divides by 1200 and rounds again.

Conventional PMI (Homeowners Protection Act): the borrower may ask to cancel at the payment
that brings the balance to 80% of the original value (extra payments bring that forward);
it ends automatically at the payment first *scheduled* to bring it to 78% (the original
schedule: extra payments do not count), and in any case after the midpoint of the term.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from apfa.finance.loans import amortization_schedule, monthly_payment
from apfa.finance.money import (
    ONE,
    TWELVE,
    Number,
    cents,
    require_non_negative,
    require_positive,
    require_term,
    to_decimal,
)
from apfa.finance.parameters import (
    FHA_ANNUAL_MIP_TABLE,
    FHA_MIP_BASE_LOAN_THRESHOLD,
    FHA_UPFRONT_MIP_RATE,
    PMI_AUTO_TERMINATION_LTV,
    PMI_CANCEL_REQUEST_LTV,
    value,
)

_FIFTEEN_YEARS = 180
_LIMITED_MAX_LTV = value("fha_mip_limited_duration_max_ltv")
_LIMITED_MONTHS = int(value("fha_mip_limited_duration_months"))
_HUD_RATE_DIVISOR = Decimal(1200)


def fha_annual_mip_rate(base_loan: Number, loan_to_value: Number, term_months: int) -> Decimal:
    """Annual MIP as a fraction of the balance, from the ML 2023-05 grid.

    ``fha_annual_mip_rate(300_000, 0.965, 360) == Decimal("0.0055")``.
    """
    base = require_non_negative("base_loan", base_loan)
    ratio = require_non_negative("loan_to_value", loan_to_value)
    long_term = require_term(term_months) > _FIFTEEN_YEARS
    high = base > FHA_MIP_BASE_LOAN_THRESHOLD
    rows = [
        row
        for row in FHA_ANNUAL_MIP_TABLE
        if row.term_over_15_years == long_term and row.base_loan_over_threshold == high
    ]
    # The rows of one (term, amount) pair partition the LTV range in ascending order.
    return next(r.annual_rate for r in rows if r.ltv_at_most is None or ratio <= r.ltv_at_most)


def fha_mip_months(loan_to_value: Number, term_months: int) -> int:
    """Months of annual MIP: 132 (or the term if shorter) at LTV <= 90%, else the term."""
    n = require_term(term_months)
    if require_non_negative("loan_to_value", loan_to_value) <= _LIMITED_MAX_LTV:
        return min(_LIMITED_MONTHS, n)
    return n


def _hud_year_averages(
    loan_amount: Number, annual_rate_pct: Number, term_months: int, years: int
) -> list[Decimal]:
    """HUD's unrounded average scheduled balance for loan years 1..``years``.

    A year's 12 balances are the one at its start and the 11 after its first 11 payments, on
    the original schedule at the note rate and P&I.
    """
    balance = cents(require_non_negative("loan_amount", loan_amount))
    rate = require_non_negative("annual_rate_pct", annual_rate_pct)
    payment = monthly_payment(balance, rate, term_months)
    averages: list[Decimal] = []
    total = Decimal(0)
    for month in range(12 * years):
        total += balance
        if month % 12 == 11:
            averages.append(total / TWELVE)
            total = Decimal(0)
        interest = cents(cents(balance * rate) / _HUD_RATE_DIVISOR)
        balance = max(balance + interest - payment, Decimal(0))
    return averages


def fha_average_balance(
    loan_amount: Number, annual_rate_pct: Number, term_months: int, year: int = 1
) -> Decimal:
    """HUD's average outstanding balance for loan ``year`` (unrounded, as HUD keeps it)."""
    if isinstance(year, bool) or not isinstance(year, int) or year < 1:
        raise ValueError(f"year must be a positive int, got {year!r}")
    return _hud_year_averages(loan_amount, annual_rate_pct, term_months, year)[-1]


def fha_monthly_mip_from_average(
    average_balance: Number, annual_mip_rate: Number, financed_upfront_rate: Number | None
) -> Decimal:
    """HUD steps 2-4: ``average * rate`` (cents), ``/ (1 + upfront rate)`` when the upfront
    premium is financed (cents), ``/ 12`` (cents).

    HUD's example: an average balance of 106,160.654166... at 0.50% with a 2.25% financed
    upfront premium gives 530.80, then 519.12, then 43.26 a month.
    """
    annual = cents(to_decimal(average_balance) * require_non_negative("rate", annual_mip_rate))
    if financed_upfront_rate is not None:
        upfront = require_non_negative("financed_upfront_rate", financed_upfront_rate)
        annual = cents(annual / (ONE + upfront))
    return cents(annual / TWELVE)


def fha_monthly_mip(
    loan_amount: Number,
    annual_rate_pct: Number,
    term_months: int,
    annual_mip_rate: Number,
    year: int = 1,
    upfront_financed: bool = True,
) -> Decimal:
    """Monthly annual-MIP charge in loan ``year`` by HUD's method (``loan_amount`` includes the
    financed upfront premium when ``upfront_financed``).

    $289,500 base loan + 5,066.25 financed upfront MIP at 6.5% for 30 years, 0.55%: 132.02 a
    month in year 1.
    """
    average = fha_average_balance(loan_amount, annual_rate_pct, term_months, year)
    upfront = FHA_UPFRONT_MIP_RATE if upfront_financed else None
    return fha_monthly_mip_from_average(average, annual_mip_rate, upfront)


def fha_mip_by_year(
    loan_amount: Number,
    annual_rate_pct: Number,
    term_months: int,
    annual_mip_rate: Number,
    mip_months: int,
    upfront_financed: bool = True,
) -> list[Decimal]:
    """The monthly MIP charge of each loan year that has MIP in the first ``mip_months``."""
    years = (require_term(mip_months) + 11) // 12
    upfront = FHA_UPFRONT_MIP_RATE if upfront_financed else None
    averages = _hud_year_averages(loan_amount, annual_rate_pct, term_months, years)
    return [fha_monthly_mip_from_average(a, annual_mip_rate, upfront) for a in averages]


@dataclass(frozen=True)
class PmiRemoval:
    """Result of :func:`pmi_removal`; months are payment numbers, 0 when the loan starts there.

    ``request_month`` uses the schedule with the extra payments, ``scheduled_request_month``
    and ``automatic_termination_month`` the original one; ``automatic_termination_month`` is
    already capped by ``final_termination_month`` (the midpoint of the term).
    """

    cancel_request_balance: Decimal
    automatic_termination_balance: Decimal
    request_month: int
    scheduled_request_month: int
    automatic_termination_month: int
    final_termination_month: int


def _first_month_at_or_below(balances: list[Decimal], start: Decimal, target: Decimal) -> int:
    if start <= target:
        return 0
    return next(i for i, balance in enumerate(balances, start=1) if balance <= target)


def pmi_removal(
    loan: Number,
    annual_rate_pct: Number,
    term_months: int,
    original_value: Number,
    extra_monthly: Number = 0,
) -> PmiRemoval:
    """Payment numbers at which conventional PMI can be cancelled or ends (module docstring).

    $285,000 at 6.5% for 30 years on a $300,000 home (95% LTV): cancellation can be asked at
    payment 124 (balance <= $240,000) and PMI ends at payment 135 (<= $234,000); with $200 a
    month extra the request moves to payment 80, the automatic end stays at 135.
    """
    amount = cents(require_non_negative("loan", loan))
    home_value = require_positive("original_value", original_value)
    request_at = cents(home_value * PMI_CANCEL_REQUEST_LTV)
    auto_at = cents(home_value * PMI_AUTO_TERMINATION_LTV)
    n = require_term(term_months)
    scheduled = [row.balance for row in amortization_schedule(amount, annual_rate_pct, n)]
    actual = [
        row.balance for row in amortization_schedule(amount, annual_rate_pct, n, extra_monthly)
    ]
    final = (n + 1) // 2
    return PmiRemoval(
        cancel_request_balance=request_at,
        automatic_termination_balance=auto_at,
        request_month=_first_month_at_or_below(actual, amount, request_at),
        scheduled_request_month=_first_month_at_or_below(scheduled, amount, request_at),
        automatic_termination_month=min(
            _first_month_at_or_below(scheduled, amount, auto_at), final
        ),
        final_termination_month=final,
    )
