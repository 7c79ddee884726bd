"""Calculators for cars: a car loan with any negative equity, leasing against buying, and
the charge for miles over a lease's allowance."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import Computed, Inputs, calculator
from apfa.advice.calculators.loans import principal, rate, term_months
from apfa.finance.auto import excess_mileage as miles_over
from apfa.finance.auto import lease_vs_buy as lease_or_buy
from apfa.finance.auto import money_factor_to_apr, negative_equity
from apfa.finance.loans import amortization_schedule, monthly_payment, total_interest


@calculator(
    "auto_loan",
    monthly_payment="money",
    total_interest="money",
    negative_equity="money",
    amount_financed="money",
)
def auto_loan(inputs: Inputs) -> Computed | None:
    figures: dict[str, Decimal | int | str] = {}
    owed, trade = inputs.money("amount_owed"), inputs.money("trade_in_value")
    if owed is not None and trade is not None:
        figures["negative_equity"] = max(negative_equity(owed, trade), Decimal(0))
    amount = principal(inputs)
    if amount is None:
        return Computed(figures) if figures else None
    n = term_months(inputs)
    r = rate(inputs, n)
    figures |= {
        "amount_financed": amount,
        "monthly_payment": monthly_payment(amount, r, n),
        "total_interest": total_interest(amount, r, n),
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "lease_vs_buy",
    lease_total="money",
    buy_total="money",
    apr_equivalent="percent",
    loan_payment_to_buy="money",
    lease_term="months",
    buy_loan_amount="money",
    buy_balance_at_lease_end="money",
    buy_value_to_win="money",
    buy_payments_total="money",
    buy_term="months",
    lease_over_buy_term="money",
    buy_breakeven_value="money",
    buy_loan_interest="money",
)
def lease_vs_buy(inputs: Inputs) -> Computed | None:
    figures: dict[str, Decimal | int | str] = {}
    factor = inputs.number("money_factor")
    if factor is not None:
        figures["apr_equivalent"] = money_factor_to_apr(factor)
    lease, months_ = inputs.money("lease_payment"), inputs.whole("lease_months", "term_months")
    price = inputs.money("car_price")
    if lease is None or not months_:
        return Computed(figures) if figures else None
    signing = inputs.money("due_at_signing") or Decimal(0)
    if price is None:
        figures["lease_total"] = signing + lease * months_
        figures["lease_term"] = months_
        figures |= _stated_loan(inputs, lease, signing) or _financed(inputs, months_)
        return Computed(figures, assumptions=inputs.assumptions)
    # the loan's term: stated for buying, or the other term named beside the lease's
    stated_term = inputs.whole("buy_months") or next(
        (int(t) for t in inputs.numbers("terms_months") if int(t) != months_), None
    )
    n = stated_term or 60
    r = rate(inputs, n)
    result = lease_or_buy(
        lease_monthly=lease,
        lease_months=months_,
        price=price,
        loan_rate_pct=r,
        loan_months=n,
        lease_due_at_signing=signing,
        down_payment=inputs.money("down_payment") or 0,
        resale_value=inputs.money("residual_value"),
    )
    figures |= {
        "lease_total": result.lease_total,
        "loan_payment_to_buy": result.loan_payment,
        "lease_term": months_,
    }
    if result.buy_net_cost is not None:
        figures["buy_total"] = result.buy_net_cost
    borrowed = price - (inputs.money("down_payment") or 0)
    if borrowed > 0 and months_ < n:
        figures["buy_loan_amount"] = borrowed
        schedule = amortization_schedule(borrowed, r, n)
        owed = schedule[months_ - 1].balance
        figures["buy_balance_at_lease_end"] = owed
        # buying is ahead at the lease's end when the car is worth more than what is still
        # owed plus the extra cash buying took over those months
        paid = (inputs.money("down_payment") or 0) + result.loan_payment * months_
        figures["buy_value_to_win"] = owed + paid - result.lease_total
    if not stated_term:
        inputs.assume("buying financed over 60 months for the comparison")
    return Computed(figures, assumptions=inputs.assumptions)


def _financed(inputs: Inputs, lease_months: int) -> dict[str, Decimal | int]:
    """ "Or buy it for 34k financed at 6.9% 60 mo": the loan to buy, with no price given,
    over its own term (the one named beside the lease's)."""
    amount = inputs.money("loan_amount")
    if amount is None or amount <= 0:
        return {}
    terms = [int(t) for t in inputs.numbers("terms_months")]
    stated = inputs.whole("term_months")
    others = [t for t in [*terms, stated or 0] if t and t != lease_months]
    n = others[0] if others else 60
    if not others:
        inputs.assume("the loan to buy runs 60 months")
    r = rate(inputs, n)
    return {
        "buy_loan_amount": amount,
        "loan_payment_to_buy": monthly_payment(amount, r, n),
        "buy_loan_interest": total_interest(amount, r, n),
        "buy_term": n,
    }


def _stated_loan(inputs: Inputs, lease: Decimal, signing: Decimal) -> dict[str, Decimal | int]:
    """A loan payment stated for buying instead: its payments in all, what leasing for as
    long would cost at the same terms, and the car's value at the loan's end above which
    buying costs less."""
    payment = inputs.money("buy_payment")
    if payment is None or payment <= 0:
        return {}
    term = inputs.whole("buy_months")
    if not term:
        term = 60
        inputs.assume("the loan to buy runs 60 months")
    total = payment * term + (inputs.money("down_payment") or 0)
    leasing = signing + lease * term
    figures: dict[str, Decimal | int] = {
        "buy_payments_total": total,
        "buy_term": term,
        "lease_over_buy_term": leasing,
    }
    if total > leasing:
        figures["buy_breakeven_value"] = total - leasing
    return figures


@calculator("excess_mileage", excess_miles="count", excess_mileage_charge="money")
def excess_mileage(inputs: Inputs) -> Computed | None:
    fee = inputs.money("excess_mile_fee")
    years = Decimal(inputs.whole("lease_months", "term_months") or 36) / 12
    allowed = inputs.number("miles_allowed")
    if allowed is None and (yearly := inputs.number("miles_allowed_per_year")) is not None:
        allowed = yearly * years
    expected = inputs.number("miles_expected")
    if expected is None and (yearly := inputs.number("miles_expected_per_year")) is not None:
        expected = yearly * years
    if fee is None or allowed is None or expected is None:
        return None
    result = miles_over(allowed, expected, fee)
    figures: dict[str, Decimal | int | str] = {
        "excess_miles": int(result.miles_over),
        "excess_mileage_charge": result.charge,
    }
    return Computed(figures, assumptions=inputs.assumptions)
