"""Student loan plans: standard, tiered standard, RAP bands, IBR, PSLF, consolidation rate."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.student_loans import (
    consolidation_rate,
    ibr_payment,
    poverty_guideline,
    pslf_remaining,
    rap_payment,
    student_loan_plans,
    tiered_standard_months,
)
from finance.reference import annuity, dec, frac, half_up, schedule


def test_worked_example() -> None:
    plans = student_loan_plans(45_000, 6.39, 65_000, 3, 2)
    assert plans.standard_months == 120
    assert plans.standard_payment == Decimal("508.45")
    assert plans.standard_payment == dec(half_up(annuity(frac(45_000), frac("6.39"), 120)))
    rows = schedule(45_000, "6.39", 120)
    assert plans.standard_total_interest == dec(sum((r[1] for r in rows), Fraction(0)))
    assert plans.standard_total_interest == Decimal("16014.08")
    assert plans.tiered_standard_months == 180
    assert plans.tiered_standard_payment == Decimal("389.28")
    assert plans.rap_agi_share == Decimal("0.06")
    assert plans.rap_payment == Decimal("225.00")  # 65,000 x 6% / 12 - 2 x 50
    assert plans.poverty_guideline == Decimal("27320.00")
    assert plans.discretionary_income == Decimal("24020.00")  # 65,000 - 1.5 x 27,320
    assert plans.ibr_new_borrower_payment == Decimal("200.17")  # 2,402.00 / 12
    assert plans.ibr_old_borrower_payment == Decimal("300.25")  # 3,603.00 / 12


@pytest.mark.parametrize(
    ("agi", "dependents", "payment"),
    [
        (0, 0, "10.00"),
        (10_000, 0, "10.00"),  # flat $120 a year
        ("10000.01", 0, "10.00"),  # 1% = 8.33, raised to the $10 minimum
        (20_000, 0, "16.67"),  # still 1%
        ("20000.01", 0, "33.33"),  # 2% of the whole AGI
        (55_000, 0, "229.17"),
        (100_000, 0, "750.00"),  # 9%
        (100_001, 0, "833.34"),  # 10%
        (100_001, 3, "683.34"),
        (30_000, 2, "10.00"),  # 50.00 - 100.00, floored at $10
    ],
)
def test_rap_bands_dependents_and_minimum(agi: object, dependents: int, payment: str) -> None:
    assert rap_payment(Decimal(str(agi)), dependents) == Decimal(payment)


@settings(max_examples=200, deadline=None)
@given(
    agi=st.integers(0, 300_000_00).map(lambda c: Decimal(c) / 100),
    more=st.integers(1, 1_000_000).map(lambda c: Decimal(c) / 100),
    dependents=st.integers(0, 6),
)
def test_rap_never_falls_as_income_rises_and_dependents_only_lower_it(
    agi: Decimal, more: Decimal, dependents: int
) -> None:
    assert rap_payment(agi + more, dependents) >= rap_payment(agi, dependents)
    assert rap_payment(agi, dependents + 1) <= rap_payment(agi, dependents)
    assert rap_payment(agi, dependents) >= 10


def test_poverty_guideline_2026() -> None:
    assert poverty_guideline(1) == 15_960
    assert poverty_guideline(4) == 33_000
    assert poverty_guideline(9) == 55_720 + 5_680
    with pytest.raises(ValueError, match="family_size"):
        poverty_guideline(0)


def test_ibr_cap_zero_and_ten_dollar_rules() -> None:
    cap = Decimal("508.45")
    assert ibr_payment(200_000, 1, Decimal("0.10"), cap) == cap
    assert ibr_payment(23_940, 1, Decimal("0.10"), cap) == 0  # at 150% of 15,960
    assert ibr_payment(24_480, 1, Decimal("0.10"), cap) == 0  # 540 / 12 = 4.50
    assert ibr_payment(24_600, 1, Decimal("0.10"), cap) == 10  # 660 / 12 = 5.50
    assert ibr_payment(25_200, 1, Decimal("0.10"), cap) == Decimal("10.50")


@pytest.mark.parametrize(
    ("balance", "months"),
    [(24_999, 120), (25_000, 180), (49_999.99, 180), (50_000, 240), (99_999, 240), (100_000, 300)],
)
def test_tiered_standard_terms(balance: float, months: int) -> None:
    assert tiered_standard_months(balance) == months


def test_pslf_remaining() -> None:
    assert pslf_remaining(0) == 120
    assert pslf_remaining(84) == 36
    assert pslf_remaining(130) == 0
    with pytest.raises(ValueError, match="payments_made"):
        pslf_remaining(-1)


def test_consolidation_rate_worked_example() -> None:
    assert consolidation_rate([(5_000, 4.3), (6_000, 2.3)]) == Decimal("3.250")
    assert consolidation_rate([(10_000, "6.375")]) == Decimal("6.375")  # already an eighth
    with pytest.raises(ValueError, match="at least one"):
        consolidation_rate([])


@settings(max_examples=200, deadline=None)
@given(
    loans=st.lists(
        st.tuples(st.integers(1, 10_000_000), st.integers(0, 12_000)), min_size=1, max_size=6
    )
)
def test_consolidation_rate_is_the_next_eighth_at_or_above_the_average(
    loans: list[tuple[int, int]],
) -> None:
    pairs = [(Decimal(c) / 100, Decimal(r) / 1000) for c, r in loans]
    rate = Fraction(str(consolidation_rate(pairs)))
    average = sum(frac(b) * frac(r) for b, r in pairs) / sum(frac(b) for b, _ in pairs)
    assert (rate * 8).denominator == 1
    assert average <= rate < average + Fraction(1, 8)
