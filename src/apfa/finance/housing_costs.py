"""A home's monthly taxes, insurance and dues besides the loan payment: the amounts a
person states, else estimates from the price (one place for the estimate's rates)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

__all__ = ["HOME_INSURANCE_RATE", "PROPERTY_TAX_RATE", "Escrow", "monthly_escrow"]

PROPERTY_TAX_RATE = Decimal("0.011")  # of the price a year; a national rule of thumb
HOME_INSURANCE_RATE = Decimal("0.0035")  # of the price a year
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class Escrow:
    monthly: Decimal  # property tax, homeowners insurance and HOA dues, a month
    tax_estimated: bool
    insurance_estimated: bool


def monthly_escrow(
    price: Decimal,
    *,
    property_tax_annual: Decimal | None = None,
    insurance_annual: Decimal | None = None,
    hoa_monthly: Decimal | None = None,
    taxes_insurance_monthly: Decimal | None = None,
) -> Escrow:
    """Taxes and insurance a month (a stated monthly total, else each stated yearly amount,
    else its estimate from ``price``), plus HOA dues, in cents."""
    dues = hoa_monthly or Decimal(0)
    if taxes_insurance_monthly is not None:
        return Escrow(_cents(taxes_insurance_monthly + dues), False, False)
    tax = property_tax_annual if property_tax_annual is not None else price * PROPERTY_TAX_RATE
    insurance = insurance_annual if insurance_annual is not None else price * HOME_INSURANCE_RATE
    return Escrow(
        _cents((tax + insurance) / 12) + dues,
        property_tax_annual is None,
        insurance_annual is None,
    )


def _cents(value: Decimal) -> Decimal:
    return value.quantize(_CENT, rounding=ROUND_HALF_UP)
