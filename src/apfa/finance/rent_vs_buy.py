"""Renting against buying over a horizon, year by year.

Money is ``Decimal`` cents; every ``*_pct`` is a percent a year. Assumptions, each a parameter:

* rent: ``monthly_rent * 12`` in year 1, growing by ``rent_growth_pct`` a year;
* owning, year ``y``: the mortgage payments of that year (the standard schedule of
  :mod:`apfa.finance.loans` on ``price - down_payment``), property tax ``property_tax_pct`` and
  maintenance ``maintenance_pct`` of the home's value at the start of the year, and homeowners
  insurance ``insurance_annual`` (a flat amount). ``closing_costs`` are paid at purchase;
* the home's value grows by ``appreciation_pct`` a year; at the end of the horizon it is sold
  for that value less ``selling_cost_pct`` and the loan balance is paid off;
* opportunity cost: the renter invests the down payment and closing costs at the start; every
  year both portfolios grow by ``investment_return_pct`` and then, at the year's end, whoever
  spent less that year (owner's costs against rent) invests the difference;
* left out: income-tax effects (mortgage interest and property tax deductions, tax on
  investment gains), PMI, HOA dues and renter's insurance.

``net_difference`` is the owner's net worth (sale proceeds after the loan, plus their
portfolio) minus the renter's portfolio: positive means buying comes out ahead.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

from apfa.finance.loans import amortization_schedule
from apfa.finance.money import (
    HUNDRED,
    ONE,
    TWELVE,
    ZERO,
    Number,
    cents,
    require_count,
    require_non_negative,
    require_pct,
    require_positive,
    to_decimal,
)

MAX_HORIZON_YEARS = 50


@dataclass(frozen=True)
class RentBuyYear:
    """One year: costs paid, then values and portfolios at the year's end."""

    year: int
    rent: Decimal
    mortgage_payments: Decimal
    interest: Decimal
    property_tax: Decimal
    insurance: Decimal
    maintenance: Decimal
    owner_costs: Decimal
    home_value: Decimal
    loan_balance: Decimal
    renter_portfolio: Decimal
    owner_portfolio: Decimal


@dataclass(frozen=True)
class RentVsBuy:
    """Result of :func:`rent_vs_buy` (see the module docstring for every assumption)."""

    years: tuple[RentBuyYear, ...]
    total_rent: Decimal
    total_owner_costs: Decimal
    total_interest: Decimal
    home_value_end: Decimal
    selling_costs: Decimal
    loan_balance_end: Decimal
    owner_equity_end: Decimal
    owner_net_worth: Decimal
    renter_net_worth: Decimal
    net_difference: Decimal
    better: Literal["buy", "rent", "equal"]


def _grow(pct: Decimal) -> Decimal:
    return ONE + pct / HUNDRED


def _signed_pct(name: str, value: Number) -> Decimal:
    """A yearly change in percent; it may be negative (falling prices), but above -100."""
    result = to_decimal(value)
    if result <= -HUNDRED:
        raise ValueError(f"{name} must be above -100, got {value!r}")
    return result


def rent_vs_buy(
    horizon_years: int,
    monthly_rent: Number,
    rent_growth_pct: Number,
    price: Number,
    down_payment: Number,
    rate_pct: Number,
    term_months: int,
    property_tax_pct: Number,
    insurance_annual: Number,
    maintenance_pct: Number,
    appreciation_pct: Number,
    selling_cost_pct: Number,
    investment_return_pct: Number,
    closing_costs: Number = 0,
) -> RentVsBuy:
    """Year-by-year costs and the net-worth difference after ``horizon_years`` (docstring).

    Rent $2,000 growing 3% against a $400,000 home with $80,000 down at 6.5% for 30 years, 1.1%
    tax, $1,500 insurance, 1% maintenance, 3% appreciation, 6% selling costs, 5% returns, over
    7 years: owning costs 244,764.78 against 183,899.10 of rent; the owner ends with
    173,100.83 after selling (491,949.55 less 6% and the 289,331.75 balance), the renter with
    184,162.61 invested, so renting is ahead by 11,061.78 (no taxes, PMI or HOA).
    """
    horizon = require_count("horizon_years", horizon_years, minimum=1)
    if horizon > MAX_HORIZON_YEARS:
        raise ValueError(f"horizon_years must be at most {MAX_HORIZON_YEARS}")
    home = cents(require_positive("price", price))
    down = cents(require_non_negative("down_payment", down_payment))
    if down > home:
        raise ValueError("down_payment must not exceed price")
    rent_growth = _grow(require_non_negative("rent_growth_pct", rent_growth_pct))
    appreciation = _grow(_signed_pct("appreciation_pct", appreciation_pct))
    returns = _grow(_signed_pct("investment_return_pct", investment_return_pct))
    tax = require_non_negative("property_tax_pct", property_tax_pct) / HUNDRED
    upkeep = require_non_negative("maintenance_pct", maintenance_pct) / HUNDRED
    insurance = cents(require_non_negative("insurance_annual", insurance_annual))
    selling = require_pct("selling_cost_pct", selling_cost_pct) / HUNDRED
    rows = amortization_schedule(home - down, rate_pct, term_months)
    renter = down + cents(require_non_negative("closing_costs", closing_costs))
    owner = ZERO
    value = Decimal(home)
    rent = require_non_negative("monthly_rent", monthly_rent) * TWELVE
    years: list[RentBuyYear] = []
    for year in range(1, horizon + 1):
        months = rows[12 * (year - 1) : 12 * year]
        mortgage = sum((r.payment for r in months), ZERO)
        property_tax, maintenance = cents(value * tax), cents(value * upkeep)
        costs = mortgage + property_tax + insurance + maintenance
        paid_rent = cents(rent)
        renter, owner = cents(renter * returns), cents(owner * returns)
        renter += max(costs - paid_rent, ZERO)
        owner += max(paid_rent - costs, ZERO)
        value, rent = value * appreciation, rent * rent_growth
        balance = rows[12 * year - 1].balance if len(rows) >= 12 * year else cents(ZERO)
        years.append(
            RentBuyYear(
                year=year,
                rent=paid_rent,
                mortgage_payments=mortgage,
                interest=sum((r.interest for r in months), ZERO),
                property_tax=property_tax,
                insurance=insurance,
                maintenance=maintenance,
                owner_costs=costs,
                home_value=cents(value),
                loan_balance=balance,
                renter_portfolio=renter,
                owner_portfolio=owner,
            )
        )
    last = years[-1]
    sale_costs = cents(last.home_value * selling)
    equity = last.home_value - sale_costs - last.loan_balance
    owner_worth = equity + owner
    difference = owner_worth - renter
    return RentVsBuy(
        years=tuple(years),
        total_rent=sum((y.rent for y in years), ZERO),
        total_owner_costs=sum((y.owner_costs for y in years), ZERO),
        total_interest=sum((y.interest for y in years), ZERO),
        home_value_end=last.home_value,
        selling_costs=sale_costs,
        loan_balance_end=last.loan_balance,
        owner_equity_end=equity,
        owner_net_worth=owner_worth,
        renter_net_worth=renter,
        net_difference=difference,
        better="buy" if difference > 0 else "rent" if difference < 0 else "equal",
    )
