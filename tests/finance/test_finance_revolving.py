"""Cards, payoff plans, balance transfers, consolidation and payday loans."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance.debt_options import balance_transfer, consolidation
from apfa.finance.debt_payoff import Debt, payoff_plan
from apfa.finance.payday import payday_apr, rollover_cost
from apfa.finance.revolving import MAX_MONTHS, card_payoff, carry_balance, payment_to_clear
from finance_support import annuity, dec, frac, half_up, revolving

aprs = st.integers(0, 3_600).map(lambda a: Decimal(a) / 100)


def test_card_payoff_worked_example() -> None:
    result = card_payoff(5_000, 22.99, 200)
    assert result.pays_off
    assert result.first_month_interest == Decimal("95.79")
    assert result.months == 35
    assert result.total_interest == Decimal("1871.10")
    assert result.total_paid == Decimal("6871.10")
    assert result.last_payment == Decimal("71.10")
    months, interest = revolving(5_000, "22.99", 200)
    assert (months, dec(interest)) == (35, Decimal("1871.10"))


def test_a_payment_at_or_below_the_interest_never_pays_off() -> None:
    for payment in (95, Decimal("95.79")):
        result = card_payoff(5_000, 22.99, payment)
        assert not result.pays_off
        assert result.months is None
        assert result.total_interest is None


def test_zero_balance_and_zero_rate() -> None:
    assert card_payoff(0, 20, 0).months == 0
    result = card_payoff(1_000, 0, 300)
    assert (result.months, result.total_interest, result.last_payment) == (
        4,
        Decimal("0.00"),
        Decimal("100.00"),
    )


def test_too_long_is_reported_not_looped_forever() -> None:
    result = card_payoff(1_000_000, 12, Decimal("10000.01"))
    assert not result.pays_off
    assert carry_balance(1_000_000, 12, Decimal("10000.01")).months == MAX_MONTHS


@settings(max_examples=150, deadline=None)
@given(
    balance=st.integers(1, 2_000_000).map(lambda c: Decimal(c) / 100),
    apr=aprs,
    extra=st.integers(1, 50_000).map(lambda c: Decimal(c) / 100),
)
def test_card_payoff_matches_the_fraction_reference_and_conserves_money(
    balance: Decimal, apr: Decimal, extra: Decimal
) -> None:
    first = half_up(frac(balance) * frac(apr) / 1200)
    payment = dec(first) + extra
    result = card_payoff(balance, apr, payment)
    if not result.pays_off:
        return  # longer than MAX_MONTHS
    months, interest = revolving(balance, apr, payment)
    assert result.months == months
    assert result.total_interest == dec(interest)
    assert result.total_paid == balance + result.total_interest
    assert result.last_payment is not None
    assert 0 < result.last_payment <= payment


@settings(max_examples=150, deadline=None)
@given(
    balance=st.integers(100, 5_000_000).map(lambda c: Decimal(c) / 100),
    apr=aprs,
    months=st.integers(1, 120),
)
def test_payment_to_clear_is_the_smallest_cent_that_clears_in_time(
    balance: Decimal, apr: Decimal, months: int
) -> None:
    payment = payment_to_clear(balance, apr, months)
    result = card_payoff(balance, apr, payment)
    assert result.months is not None
    assert result.months <= months
    assert carry_balance(balance, apr, payment - Decimal("0.01"), months).remaining > 0
    # Within a cent or two of the annuity payment.
    exact = annuity(frac(balance), frac(apr), months)
    assert abs(Fraction(str(payment)) - exact) <= Fraction(3, 100)


def test_payment_to_clear_worked_example() -> None:
    assert payment_to_clear(5_000, 22.99, 24) == Decimal("261.85")
    assert payment_to_clear(0, 22.99, 24) == 0


DEBTS = [("Card A", 3_000, 24.99, 90), ("Card B", 1_200, 18.99, 35), ("Car", 8_000, 7.5, 250)]


def test_avalanche_and_snowball_worked_example() -> None:
    avalanche = payoff_plan(DEBTS, 600, "avalanche")
    snowball = payoff_plan(DEBTS, 600, "snowball")
    assert avalanche.target_order == ("Card A", "Card B", "Car")
    assert snowball.target_order == ("Card B", "Card A", "Car")
    assert [d.payoff_month for d in avalanche.debts] == [11, 14, 23]
    assert [d.payoff_month for d in snowball.debts] == [14, 5, 23]
    assert snowball.payoff_order == ("Card B", "Card A", "Car")
    assert avalanche.total_interest == Decimal("1335.11")
    assert snowball.total_interest == Decimal("1397.75")
    assert avalanche.minimum_total == Decimal("375.00")


def test_a_single_debt_plan_is_the_card_payoff() -> None:
    plan = payoff_plan([Debt.of("card", 5_000, 22.99, 25)], 200, "snowball")
    card = card_payoff(5_000, 22.99, 200)
    assert plan.months_to_debt_free == card.months
    assert plan.total_interest == card.total_interest


def test_payoff_plan_errors_and_non_payoff() -> None:
    with pytest.raises(ValueError, match="below the sum of the minimum"):
        payoff_plan(DEBTS, 374, "avalanche")
    with pytest.raises(ValueError, match="method"):
        payoff_plan(DEBTS, 600, "fastest")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one"):
        payoff_plan([], 600, "snowball")
    stuck = payoff_plan([("big", 100_000, 30, 100)], 100, "avalanche")
    assert not stuck.pays_off
    assert stuck.months_to_debt_free is None
    assert stuck.debts[0].payoff_month is None


debt_lists = st.lists(
    st.tuples(
        st.integers(0, 2_000_000).map(lambda c: Decimal(c) / 100),
        aprs,
        st.integers(0, 40_000).map(lambda c: Decimal(c) / 100),
    ),
    min_size=1,
    max_size=5,
)


@settings(max_examples=150, deadline=None)
@given(debts=debt_lists, slack=st.integers(0, 200_000).map(lambda c: Decimal(c) / 100))
def test_avalanche_never_pays_more_interest_than_snowball_and_money_is_conserved(
    debts: list[tuple[Decimal, Decimal, Decimal]], slack: Decimal
) -> None:
    named = [(f"d{i}", b, a, m) for i, (b, a, m) in enumerate(debts)]
    budget = sum(m for _, _, m in debts) + slack
    avalanche = payoff_plan(named, budget, "avalanche")
    snowball = payoff_plan(named, budget, "snowball")
    if avalanche.pays_off and snowball.pays_off:
        assert avalanche.total_interest <= snowball.total_interest
    for plan in (avalanche, snowball):
        if not plan.pays_off:
            continue
        owed = sum(b for b, _, _ in debts)
        assert plan.total_paid == owed + plan.total_interest
        for outcome, (balance, _, _) in zip(plan.debts, debts, strict=True):
            assert outcome.total_paid == balance + outcome.interest_paid
        assert plan.months_to_debt_free == max(d.payoff_month or 0 for d in plan.debts)


def test_balance_transfer_worked_example() -> None:
    result = balance_transfer(6_000, 3, 0, 18, later_apr_pct=24.99, monthly_payment=250)
    assert result.fee == Decimal("180.00")
    assert result.new_balance == Decimal("6180.00")
    assert result.payment_to_clear_in_promo == Decimal("343.34")  # 6180 / 18 = 343.33...
    assert result.balance_after_promo == Decimal("1680.00")
    assert result.promo_interest == 0
    assert result.months_after_promo == 8
    assert result.interest_after_promo == Decimal("149.16")
    assert result.total_cost == Decimal("329.16")
    months, interest = revolving(1_680, "24.99", 250)
    assert (months, dec(interest)) == (8, Decimal("149.16"))


def test_balance_transfer_cleared_in_the_promo_and_without_a_payment() -> None:
    cleared = balance_transfer(6_000, 3, 0, 18, monthly_payment=400)
    assert cleared.balance_after_promo == 0
    assert cleared.months_in_promo == 16
    assert cleared.total_cost == Decimal("180.00")
    bare = balance_transfer(6_000, 3, 0, 18)
    assert bare.monthly_payment is None
    assert bare.total_cost is None
    no_later = balance_transfer(6_000, 3, 0, 18, monthly_payment=250)
    assert no_later.balance_after_promo == Decimal("1680.00")
    assert no_later.months_after_promo is None


CARDS = [("a", 4_000, 24.99, 120), ("b", 3_000, 21.99, 90)]


def test_consolidation_worked_example_fee_added() -> None:
    result = consolidation(CARDS, 11.99, 36, current_payment=400, origination_fee_pct=5)
    assert result.balance == Decimal("7000.00")
    assert result.origination_fee == Decimal("350.00")
    assert result.loan_principal == Decimal("7350.00")
    assert result.new_payment == dec(half_up(annuity(frac(7_350), frac("11.99"), 36)))
    assert result.new_payment == Decimal("244.09")
    assert result.new_total_interest == Decimal("1437.24")
    assert result.current_months == 22
    assert result.current_total_interest == Decimal("1632.31")
    assert result.savings == Decimal("-154.93")
    assert result.monthly_payment_change == Decimal("-155.91")


def test_consolidation_fee_deducted_is_the_smallest_covering_principal() -> None:
    result = consolidation(CARDS, 11.99, 36, 400, 5, "deducted")
    assert result.loan_principal == Decimal("7368.42")
    assert result.origination_fee == Decimal("368.42")
    assert result.loan_principal - result.origination_fee >= result.balance
    smaller = Decimal("7368.41")
    assert smaller - half_up_dec(smaller * Decimal("0.05")) < result.balance


def half_up_dec(value: Decimal) -> Decimal:
    return dec(half_up(frac(value)))


def test_consolidation_against_minimums_and_errors() -> None:
    result = consolidation(CARDS, 9.99, 48)
    assert result.current_payment == Decimal("210.00")
    assert result.savings is not None
    assert result.savings > 0
    with pytest.raises(ValueError, match="fee_handling"):
        consolidation(CARDS, 9.99, 48, fee_handling="split")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="below 100"):
        consolidation(CARDS, 9.99, 48, origination_fee_pct=100, fee_handling="deducted")


def test_payday_apr_and_rollovers() -> None:
    assert payday_apr(15, 100, 14) == Decimal("391.07")
    assert payday_apr(45, 300, 30) == Decimal("182.50")
    cost = rollover_cost(15, 4)
    assert (cost.terms, cost.total_fees) == (5, Decimal("75.00"))
    with pytest.raises(ValueError, match="days"):
        payday_apr(15, 100, 0)
