"""arm_adjustment: the caps, the floor and the re-amortised payment."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.arm import ArmAdjustment, arm_adjustment
from finance.reference import annuity, dec, frac, half_up


def _adjust(
    index: float, first: bool = True, current: float = 6, floor: float | None = None
) -> ArmAdjustment:
    return arm_adjustment(280_000, 300, current, index, 2.75, 2, 1, 5, 6, first, floor)


def test_worked_example_fully_indexed() -> None:
    result = _adjust(4.5)
    assert result.fully_indexed_rate == Decimal("7.25")
    assert result.new_rate == Decimal("7.25")
    assert result.limited_by == "none"
    assert result.current_payment == Decimal("1804.04")
    assert result.new_payment == Decimal("2023.86")
    assert result.payment_change == Decimal("219.82")
    assert result.lifetime_ceiling == 11
    assert result.worst_case_payment == Decimal("2744.32")
    # Second method: the annuity formula in exact fractions.
    assert result.new_payment == dec(half_up(annuity(frac(280_000), frac("7.25"), 300)))


def test_initial_cap_then_periodic_cap() -> None:
    assert _adjust(6.5).new_rate == 8
    assert _adjust(6.5).limited_by == "adjustment_cap"
    assert _adjust(6.5).new_payment == Decimal("2161.09")
    later = _adjust(6.5, first=False, current=8)
    assert later.new_rate == 9
    assert later.limited_by == "adjustment_cap"


def test_lifetime_cap_binds_above_the_adjustment_cap() -> None:
    result = _adjust(9, first=False, current=10.5)
    assert result.new_rate == 11
    assert result.limited_by == "lifetime_cap"
    assert result.new_payment == result.worst_case_payment


def test_caps_apply_downwards_and_the_floor_holds() -> None:
    assert _adjust(0.5).new_rate == 4  # 3.25% fully indexed, 2 points below 6% at most
    result = _adjust(0.5, first=False, current=4, floor=3.5)
    assert result.new_rate == Decimal("3.5")
    assert result.limited_by == "floor"
    assert result.payment_change < 0


def test_impossible_inputs() -> None:
    with pytest.raises(ValueError, match="current_rate"):
        _adjust(4, current=12)
    with pytest.raises(ValueError, match="floor"):
        _adjust(4, floor=12)
    with pytest.raises(ValueError, match="term_months"):
        arm_adjustment(1000, 0, 5, 4, 2, 2, 1, 5, 5, True)


@settings(max_examples=200, deadline=None)
@given(
    index=st.integers(0, 15_000).map(lambda i: Decimal(i) / 1000),
    current=st.integers(2_000, 11_000).map(lambda i: Decimal(i) / 1000),
    first=st.booleans(),
)
def test_new_rate_respects_every_limit(index: Decimal, current: Decimal, first: bool) -> None:
    result = arm_adjustment(200_000, 240, current, index, Decimal("2.5"), 2, 1, 5, 6, first)
    cap = 2 if first else 1
    assert abs(result.new_rate - current) <= cap or result.limited_by == "lifetime_cap"
    assert 0 <= result.new_rate <= 11
    assert result.worst_case_payment >= result.new_payment
    if result.limited_by == "none":
        assert result.new_rate == index + Decimal("2.5")
    # The payment moves with the rate.
    assert (result.payment_change > 0) == (result.new_rate > current)
