"""Tax-year 2026 contribution limits by age, and how much can be borrowed from a 401(k).

Figures and sources are in :mod:`apfa.finance.parameters` (IRS Notice 2025-67, Rev. Proc.
2025-19, IRC 72(p) and 223). ``age`` is the age reached by the end of 2026: the 50+ catch-up
applies from 50, the higher SECURE 2.0 catch-up instead at 60 to 63, and the HSA catch-up from
55. Whether a plan offers catch-ups or loans, and the Roth-only catch-up rule for prior-year
FICA wages over $150,000, are up to the plan and are not modelled.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from apfa.finance.money import ZERO, Number, cents, require_count, require_non_negative
from apfa.finance.parameters import value

TAX_YEAR = 2026


@dataclass(frozen=True)
class RetirementLimits:
    """Result of :func:`retirement_limits` (dollars a year)."""

    tax_year: int
    age: int
    elective_deferral: Decimal
    catch_up: Decimal
    total_deferral: Decimal
    ira: Decimal
    ira_catch_up: Decimal
    ira_total: Decimal
    hsa_self_only: Decimal
    hsa_family: Decimal
    hsa_catch_up: Decimal


def retirement_limits(age: int) -> RetirementLimits:
    """The 2026 401(k)/403(b)/457(b), IRA and HSA limits for someone of ``age``.

    At 61: 24,500 + 11,250 = 35,750 of deferrals, 7,500 + 1,100 of IRA, HSA 4,400 / 8,750 plus
    1,000.
    """
    years = require_count("age", age)
    catch_up = ZERO
    if value("super_catch_up_min_age") <= years <= value("super_catch_up_max_age"):
        catch_up = value("catch_up_60_63_limit_2026")
    elif years >= value("catch_up_age"):
        catch_up = value("catch_up_50_limit_2026")
    ira_extra = value("ira_catch_up_2026") if years >= value("catch_up_age") else ZERO
    hsa_extra = value("hsa_catch_up") if years >= value("hsa_catch_up_age") else ZERO
    deferral = cents(value("elective_deferral_limit_2026"))
    ira = cents(value("ira_limit_2026"))
    return RetirementLimits(
        tax_year=TAX_YEAR,
        age=years,
        elective_deferral=deferral,
        catch_up=cents(catch_up),
        total_deferral=deferral + catch_up,
        ira=ira,
        ira_catch_up=cents(ira_extra),
        ira_total=ira + ira_extra,
        hsa_self_only=cents(value("hsa_limit_self_only_2026")),
        hsa_family=cents(value("hsa_limit_family_2026")),
        hsa_catch_up=cents(hsa_extra),
    )


def loan_401k_limit(
    vested_balance: Number,
    outstanding_loans: Number = 0,
    highest_balance_last_12_months: Number | None = None,
    small_balance_exception: bool = False,
) -> Decimal:
    """Largest new plan loan under IRC 72(p)(2)(A).

    All loans together may not exceed the lesser of $50,000 (reduced by how much the highest
    loan balance of the last 12 months exceeds today's) and half the vested balance (or up to
    $10,000 when the plan adopts that exception), never more than the vested balance; the new
    loan is that less what is already owed. ``loan_401k_limit(80_000) == 40,000.00``;
    ``loan_401k_limit(150_000) == 50,000.00``.
    """
    vested = require_non_negative("vested_balance", vested_balance)
    owed = require_non_negative("outstanding_loans", outstanding_loans)
    highest = owed
    if highest_balance_last_12_months is not None:
        highest = max(require_non_negative("highest_balance", highest_balance_last_12_months), owed)
    dollar_cap = value("plan_loan_max") - (highest - owed)
    share_cap = vested * value("plan_loan_vested_fraction")
    if small_balance_exception:
        share_cap = max(share_cap, min(value("plan_loan_small_balance_floor"), vested))
    return cents(max(min(dollar_cap, share_cap, vested) - owed, ZERO))


@dataclass(frozen=True)
class EarlyDistribution:
    """Result of :func:`early_distribution_tax`: the 10% additional tax (zero at 59 1/2 or
    older) and, when a marginal rate is given, the federal income tax on the amount."""

    additional_tax: Decimal
    income_tax: Decimal | None


def early_distribution_tax(
    amount: Number, age: Number, marginal_rate_pct: Number | None = None
) -> EarlyDistribution:
    """The federal cost of taking ``amount`` out of a 401(k) or traditional IRA at ``age``,
    with no exception applying and all of it taxable.

    $10,000 at 40: $1,000.00 additional tax; at a 22% bracket, $2,200.00 of income tax too.
    """
    taken = require_non_negative("amount", amount)
    years = require_non_negative("age", age)
    early = years * 12 < value("early_distribution_age_months")
    extra = cents(taken * value("early_distribution_additional_tax")) if early else ZERO
    income = None
    if marginal_rate_pct is not None:
        income = cents(taken * require_non_negative("marginal_rate_pct", marginal_rate_pct) / 100)
    return EarlyDistribution(extra, income)


def plan_cash_payout(amount: Number) -> tuple[Decimal, Decimal]:
    """What an employer plan withholds when it pays ``amount`` to you in cash (20%), and
    the check you receive.

    $22,000 cashed out of a 401(k): $4,400.00 withheld, a $17,600.00 check.
    """
    taken = require_non_negative("amount", amount)
    withheld = cents(taken * value("plan_cash_distribution_withholding"))
    return withheld, taken - withheld


def to_max_out(
    annual_income: Number, limit: Number, paychecks: int | None
) -> tuple[Decimal, Decimal | None]:
    """The share of pay (percent, one decimal) and the amount per paycheck that reach
    ``limit`` in a year.

    $24,500 on $120,000 paid every two weeks: 20.4% of pay, $942.31 a paycheck.
    """
    pay = require_non_negative("annual_income", annual_income)
    cap = require_non_negative("limit", limit)
    share = (min(cap, pay) / pay * 100).quantize(Decimal("0.1"), ROUND_HALF_UP) if pay else ZERO
    each = cents(cap / require_count("paychecks", paychecks, 1)) if paychecks else None
    return share, each
