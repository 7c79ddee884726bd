"""max_affordable_loan tests: known values, cap selection and the cap-respecting property."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance import max_affordable_loan, monthly_payment


def test_front_cap_binds_with_small_debts() -> None:
    result = max_affordable_loan(85_000, 450, 6.5, 360)
    # G = 7,083.33; front budget 1,983.33 < back budget 2,550 - 450 = 2,100.
    assert result.binding_cap == "front"
    assert result.max_payment == Decimal("1983.33")
    assert result.max_loan == Decimal("313784.26")
    assert monthly_payment(result.max_loan, 6.5, 360) <= Decimal("1983.33")
    assert monthly_payment(result.max_loan + 100, 6.5, 360) > Decimal("1983.33")


def test_back_cap_binds_with_large_debts() -> None:
    result = max_affordable_loan(85_000, 1_000, 6.5, 360)
    assert result.binding_cap == "back"
    assert result.max_payment == Decimal("1550.00")  # 0.36 * 7,083.33 - 1,000


def test_taxes_and_insurance_reduce_the_loan() -> None:
    plain = max_affordable_loan(120_000, 0, 6.5, 360)
    with_escrow = max_affordable_loan(120_000, 0, 6.5, 360, monthly_taxes_insurance=500)
    assert with_escrow.max_payment == plain.max_payment - 500
    assert with_escrow.max_loan < plain.max_loan


def test_zero_when_debts_exceed_the_cap() -> None:
    result = max_affordable_loan(60_000, 2_000, 6.5, 360)  # 36% of 5,000 is 1,800
    assert result.max_loan == 0
    assert result.max_payment == 0
    assert result.binding_cap == "back"


def test_front_cap_none_sizes_a_non_housing_loan() -> None:
    result = max_affordable_loan(60_000, 300, 7.2, 60, front_cap=None)
    assert result.binding_cap == "back"
    assert result.max_payment == Decimal("1500.00")  # 0.36 * 5,000 - 300
    assert monthly_payment(result.max_loan, 7.2, 60) <= Decimal("1500.00")


def test_equal_budgets_report_both() -> None:
    result = max_affordable_loan(120_000, 800, 6, 360)  # 0.28 * 10,000 == 0.36 * 10,000 - 800
    assert result.binding_cap == "both"


def test_zero_rate() -> None:
    result = max_affordable_loan(60_000, 0, 0, 120)
    assert result.max_loan == Decimal("1400.00") * 120


@settings(max_examples=200, deadline=None)
@given(
    income=st.integers(0, 1_000_000),
    debts=st.integers(0, 10_000),
    rate=st.integers(0, 20_000).map(lambda r: Decimal(r) / 1000),
    term=st.integers(12, 480),
    escrow=st.integers(0, 2_000),
    front=st.integers(10, 50).map(lambda c: Decimal(c) / 100),
    back=st.integers(10, 60).map(lambda c: Decimal(c) / 100),
)
def test_payment_respects_both_caps(
    income: int, debts: int, rate: Decimal, term: int, escrow: int, front: Decimal, back: Decimal
) -> None:
    result = max_affordable_loan(income, debts, rate, term, front, back, escrow)
    gross = Decimal(income) / 12
    housing = monthly_payment(result.max_loan, rate, term) + escrow
    assert result.max_loan >= 0
    if result.max_loan > 0:
        assert housing <= front * gross
        assert housing + debts <= back * gross
        # ...and it is (nearly) the largest such loan: $100 more breaks a cap.
        bigger = monthly_payment(result.max_loan + 100, rate, term) + escrow
        assert bigger > front * gross or bigger + debts > back * gross
