"""rent_vs_buy: a hand-checked case, the zero-return identity and monotonicity in rent."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.rent_vs_buy import RentVsBuy, rent_vs_buy
from finance.reference import annuity, dec, frac, half_up


def _case(**overrides: object) -> RentVsBuy:
    args: dict[str, object] = {
        "horizon_years": 7,
        "monthly_rent": 2_000,
        "rent_growth_pct": 3,
        "price": 400_000,
        "down_payment": 80_000,
        "rate_pct": 6.5,
        "term_months": 360,
        "property_tax_pct": 1.1,
        "insurance_annual": 1_500,
        "maintenance_pct": 1,
        "appreciation_pct": 3,
        "selling_cost_pct": 6,
        "investment_return_pct": 5,
    }
    args.update(overrides)
    return rent_vs_buy(**args)  # type: ignore[arg-type]


def test_worked_example() -> None:
    result = _case()
    first = result.years[0]
    assert first.rent == Decimal("24000.00")
    payment = dec(half_up(annuity(frac(320_000), frac("6.5"), 360)))
    assert first.mortgage_payments == 12 * payment == Decimal("24271.44")
    assert first.property_tax == Decimal("4400.00")  # 1.1% of 400,000
    assert first.renter_portfolio == Decimal("94171.44")  # 80,000 x 1.05 + (34,171.44 - 24,000)
    assert result.total_rent == Decimal("183899.10")
    assert result.total_owner_costs == Decimal("244764.78")
    assert result.home_value_end == Decimal("491949.55")  # 400,000 x 1.03^7
    assert result.owner_net_worth == Decimal("173100.83")
    assert result.renter_net_worth == Decimal("184162.61")
    assert result.net_difference == Decimal("-11061.78")
    assert result.better == "rent"


def test_hand_checked_zero_rate_case() -> None:
    result = _case(
        horizon_years=2,
        monthly_rent=1_000,
        rent_growth_pct=0,
        price=100_000,
        down_payment=20_000,
        rate_pct=0,
        property_tax_pct=1,
        insurance_annual=500,
        maintenance_pct=0,
        appreciation_pct=0,
        selling_cost_pct=0,
        investment_return_pct=0,
    )
    # 80,000 / 360 = 222.22 a month; owning costs 2,666.64 + 1,000 + 500 = 4,166.64 a year.
    assert [y.owner_costs for y in result.years] == [Decimal("4166.64")] * 2
    assert result.loan_balance_end == Decimal("74666.72")
    assert result.years[-1].owner_portfolio == Decimal("15666.72")  # 2 x (12,000 - 4,166.64)
    assert result.renter_net_worth == Decimal("20000.00")
    assert result.net_difference == Decimal("21000.00")  # rent 24,000 - tax and insurance 3,000
    assert result.better == "buy"


money = st.integers(0, 5_000)
pcts = st.integers(0, 800).map(lambda p: Decimal(p) / 100)


@settings(max_examples=80, deadline=None)
@given(
    years=st.integers(1, 15),
    rent=st.integers(500, 6_000),
    growth=pcts,
    price=st.integers(100_000, 1_000_000),
    down_share=st.integers(0, 100),
    rate=pcts,
    appreciation=st.integers(-300, 800).map(lambda p: Decimal(p) / 100),
    selling=pcts,
    closing=money,
)
def test_with_zero_returns_the_difference_is_rent_minus_the_costs_that_build_no_equity(
    years: int,
    rent: int,
    growth: Decimal,
    price: int,
    down_share: int,
    rate: Decimal,
    appreciation: Decimal,
    selling: Decimal,
    closing: int,
) -> None:
    result = _case(
        horizon_years=years,
        monthly_rent=rent,
        rent_growth_pct=growth,
        price=price,
        down_payment=Decimal(price * down_share) / 100,
        rate_pct=rate,
        appreciation_pct=appreciation,
        selling_cost_pct=selling,
        investment_return_pct=0,
        closing_costs=closing,
    )
    dead_costs = sum(
        y.interest + y.property_tax + y.insurance + y.maintenance for y in result.years
    )
    gain = result.home_value_end - price
    expected = result.total_rent - dead_costs - result.selling_costs - closing + gain
    assert result.net_difference == expected


@settings(max_examples=60, deadline=None)
@given(rent=st.integers(500, 5_000), more=st.integers(1, 2_000), returns=pcts)
def test_higher_rent_never_favours_renting_more(rent: int, more: int, returns: Decimal) -> None:
    low = _case(monthly_rent=rent, investment_return_pct=returns)
    high = _case(monthly_rent=rent + more, investment_return_pct=returns)
    assert high.net_difference >= low.net_difference


def test_invalid_inputs() -> None:
    with pytest.raises(ValueError, match="horizon_years"):
        _case(horizon_years=0)
    with pytest.raises(ValueError, match="down_payment"):
        _case(down_payment=500_000)
    with pytest.raises(ValueError, match="appreciation_pct"):
        _case(appreciation_pct=-100)
