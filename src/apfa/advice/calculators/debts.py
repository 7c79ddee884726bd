"""Calculators for revolving debt: paying down a card, avalanche against snowball, balance
transfers, consolidation loans, settlements, utilization (payday loans: ``payday``)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal

from apfa.advice.calculators.base import Comparison, Computed, Inputs, calculator
from apfa.advice.formatting import money, months, percent
from apfa.finance.debt_options import balance_transfer as transfer
from apfa.finance.debt_options import consolidation as consolidate
from apfa.finance.debt_payoff import Debt
from apfa.finance.debt_payoff import payoff_plan as plan
from apfa.finance.loans import monthly_payment, total_interest
from apfa.finance.revolving import card_payoff as payoff

CENT = Decimal("0.01")
ZERO = Decimal(0)
# Card minimums are usually interest plus about 1% of the balance; used when none is given.
MINIMUM_SHARE = Decimal("0.01")


def _cents(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def card_balance(inputs: Inputs) -> Decimal | None:
    return inputs.money("card_balance", "debt_amount", "loan_balance", "loan_amount")


def card_apr(inputs: Inputs) -> Decimal | None:
    return inputs.percent("apr", "interest_rate")


@calculator(
    "card_payoff",
    payoff_months="months",
    payoff_interest="money",
    monthly_interest_now="money",
    payoff_payment="money",
)
def card_payoff(inputs: Inputs) -> Computed | None:
    balance, apr = card_balance(inputs), card_apr(inputs)
    payment = inputs.money("payment_budget", "min_payment", "current_payment")
    if balance is None or apr is None or (payment is None and _one_of_several(inputs, balance)):
        return None
    figures: dict[str, Decimal | int | str] = {"monthly_interest_now": _cents(balance * apr / 1200)}
    if payment is None:
        return Computed(figures, assumptions=inputs.assumptions)
    result = payoff(balance, apr, payment)
    figures["payoff_payment"] = payment
    if result.pays_off and result.months is not None and result.total_interest is not None:
        figures["payoff_months"] = result.months
        figures["payoff_interest"] = result.total_interest
    return Computed(figures, assumptions=inputs.assumptions)


def _one_of_several(inputs: Inputs, balance: Decimal) -> bool:
    """The balance read is one card of a list of several, with no payment to weigh: the
    list's interest this month speaks for it, not that one card's."""
    listed = [_number(record, "balance") for record in inputs.records("debts")]
    return len(listed) >= 2 and balance in listed


def _debts(inputs: Inputs, *, planned: bool = True) -> list[Debt]:
    """The debts listed; minimums not given are assumed (and said so when a plan uses them)."""
    found: list[Debt] = []
    for position, record in enumerate(inputs.records("debts"), start=1):
        balance, apr = _number(record, "balance"), _number(record, "apr")
        if balance is None or apr is None:
            continue
        minimum = _number(record, "min_payment")
        if minimum is None:
            minimum = _cents(balance * apr / 1200 + balance * MINIMUM_SHARE)
            if planned:
                inputs.assume("each card's minimum payment assumed to be its interest plus 1%")
        name = f"{money(balance)} at {percent(apr)}"
        if any(debt.name == name for debt in found):
            name = f"{name} (debt {position})"
        found.append(Debt.of(name, balance, apr, minimum))
    return found


def _number(record: Mapping[str, object], key: str) -> Decimal | None:
    value = record.get(key)
    return value if isinstance(value, Decimal) else None


@calculator(
    "payoff_plan",
    avalanche_months="months",
    snowball_months="months",
    avalanche_interest="money",
    snowball_interest="money",
    avalanche_saving="money",
    first_target="text",
    minimum_total="money",
    interest_this_month="money",
    snowball_target="text",
)
def payoff_plans(inputs: Inputs) -> Computed | None:
    budget = inputs.money("payment_budget")
    debts = _debts(inputs, planned=budget is not None)
    if len(debts) < 2:
        return None
    if budget is None:
        return _interest_now(inputs, debts)
    avalanche, snowball = plan(debts, budget, "avalanche"), plan(debts, budget, "snowball")
    figures: dict[str, Decimal | int | str] = {"minimum_total": avalanche.minimum_total}
    if avalanche.months_to_debt_free is None or snowball.months_to_debt_free is None:
        return Computed(figures, assumptions=inputs.assumptions)
    first = next(d for d in debts if d.name == avalanche.target_order[0])
    figures |= {
        "interest_this_month": sum((_cents(d.balance * d.apr_pct / 1200) for d in debts), ZERO),
        "avalanche_months": avalanche.months_to_debt_free,
        "snowball_months": snowball.months_to_debt_free,
        "avalanche_interest": avalanche.total_interest,
        "snowball_interest": snowball.total_interest,
        "avalanche_saving": snowball.total_interest - avalanche.total_interest,
        "first_target": f"the {money(first.balance)} balance at {first.apr_pct}%",
    }
    table = Comparison(
        f"Paying {money(budget)} a month",
        ["method", "order", "debt-free in", "total interest"],
        [
            [
                name,
                ", ".join(p.target_order),
                months(p.months_to_debt_free or 0),
                money(p.total_interest),
            ]
            for name, p in (
                ("avalanche (highest rate first)", avalanche),
                ("snowball (smallest first)", snowball),
            )
        ],
    )
    return Computed(figures, [table], inputs.assumptions)


def _interest_now(inputs: Inputs, debts: list[Debt]) -> Computed:
    """Several cards and no monthly amount yet ("4,100 at 26.24%, 2,300 at 18.9% and 6,500
    at 22.49%; which first?"): what each charges this month, and which card each method
    pays first."""
    charged = [_cents(d.balance * d.apr_pct / 1200) for d in debts]
    highest = max(debts, key=lambda d: (d.apr_pct, -d.balance))
    smallest = min(debts, key=lambda d: (d.balance, -d.apr_pct))
    table = Comparison(
        "Interest each debt charges this month",
        ["debt", "balance", "APR", "interest this month"],
        [
            [f"debt {n}", money(d.balance), percent(d.apr_pct), money(c)]
            for n, (d, c) in enumerate(zip(debts, charged, strict=True), start=1)
        ],
    )
    figures: dict[str, Decimal | int | str] = {
        "interest_this_month": sum(charged, ZERO),
        "first_target": f"the {money(highest.balance)} balance at {highest.apr_pct}%",
        "snowball_target": f"the {money(smallest.balance)} balance at {smallest.apr_pct}%",
    }
    return Computed(figures, [table], inputs.assumptions)


@calculator(
    "balance_transfer",
    transfer_fee="money",
    transferred_balance="money",
    payment_to_clear="money",
    balance_after_promo="money",
)
def balance_transfer(inputs: Inputs) -> Computed | None:
    balance = inputs.money("card_balance", "loan_balance", "loan_amount")
    fee = inputs.percent("transfer_fee_pct", "fee_pct")
    promo = inputs.whole("promo_months")
    if balance is None or fee is None:
        return None
    if promo is None:
        charged = _cents(balance * fee / 100)
        return Computed({"transfer_fee": charged, "transferred_balance": balance + charged})
    promo_apr = inputs.percent("promo_apr") or Decimal(0)
    result = transfer(
        balance, fee, promo_apr, promo, monthly_payment=inputs.money("payment_budget")
    )
    # The level payment, rounded to cents with the last one adjusted (as every schedule here).
    figures: dict[str, Decimal | int | str] = {
        "transfer_fee": result.fee,
        "transferred_balance": result.new_balance,
        "payment_to_clear": monthly_payment(result.new_balance, promo_apr, promo),
    }
    if result.balance_after_promo is not None:
        figures["balance_after_promo"] = result.balance_after_promo
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "consolidation",
    consolidation_payment="money",
    new_total_interest="money",
    origination_fee="money",
    net_proceeds="money",
    consolidation_interest_saved="money",
    current_total_interest="money",
    current_months="months",
    debt_total="money",
    same_term_payment="money",
    same_term_interest="money",
    same_term_saving="money",
)
def consolidation(inputs: Inputs) -> Computed | None:
    loan_rate = inputs.percent("new_rate")
    rates = inputs.numbers("rates")
    debts = _debts(inputs)
    if not debts:
        balance, apr = card_balance(inputs), inputs.percent("apr")
        if apr is None and loan_rate is None:
            apr = inputs.percent("interest_rate")
        if loan_rate is None and len(rates) >= 2:
            loan_rate = rates[1]
        if balance is not None and apr is None:
            if inputs.money("card_balance", "debt_amount", "loan_balance") is None:
                return None  # only a loan's amount: a new loan, not debts to consolidate
            return _new_loan_only(inputs, balance, loan_rate)
        if balance is None or apr is None:
            return None
        minimum = inputs.money("min_payment") or _cents(
            balance * apr / 1200 + balance * MINIMUM_SHARE
        )
        debts = [Debt.of("current debt", balance, apr, minimum)]
    if loan_rate is None and rates:  # "3 cards ... into a 5 yr loan at 13.5": no card's APR
        aprs = {debt.apr_pct for debt in debts}
        loan_rate = next((r for r in reversed(rates) if r not in aprs), None)
    n = inputs.whole("term_months")
    if loan_rate is None or not n:
        return None
    fee = inputs.percent("fee_pct") or Decimal(0)
    result = consolidate(
        debts, loan_rate, n, inputs.money("payment_budget", "current_payment"), fee, "deducted"
    )
    figures: dict[str, Decimal | int | str] = {
        "consolidation_payment": result.new_payment,
        "new_total_interest": result.new_total_interest,
        "origination_fee": result.origination_fee,
        "net_proceeds": result.loan_principal - result.origination_fee,
        "debt_total": result.balance,
    }
    if len(debts) == 1:  # the debt itself paid off over the loan's term, at its own rate
        debt = debts[0]
        same = total_interest(debt.balance, debt.apr_pct, n)
        figures["same_term_payment"] = monthly_payment(debt.balance, debt.apr_pct, n)
        figures["same_term_interest"] = same
        if same > result.new_total_interest:
            figures["same_term_saving"] = same - result.new_total_interest
    if result.current_months is not None:
        figures["current_months"] = result.current_months
    if result.current_total_interest is not None:
        figures["current_total_interest"] = result.current_total_interest
        figures["consolidation_interest_saved"] = (
            result.current_total_interest - result.new_total_interest
        )
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("plan_total", plan_total="money", plan_months="months")
def plan_total(inputs: Inputs) -> Computed | None:
    """What a repayment plan costs in all: its monthly payment times its months."""
    payment, months_ = inputs.money("plan_payment"), inputs.whole("term_months")
    if payment is None or not months_:
        return None
    return Computed({"plan_total": payment * months_, "plan_months": months_})


@calculator("settlement", settlement_amount="money", forgiven_amount="money")
def settlement(inputs: Inputs) -> Computed | None:
    owed, share = (
        inputs.money("debt_amount", "card_balance", "loan_balance"),
        inputs.percent("settlement_pct"),
    )
    if owed is None or share is None:
        return None
    paid = _cents(owed * share / 100)
    return Computed({"settlement_amount": paid, "forgiven_amount": owed - paid})


@calculator("catch_up", past_due="money")
def catch_up(inputs: Inputs) -> Computed | None:
    """What it takes to bring a loan current: the missed payments, and the late fees when
    one was stated (charged once for each missed payment)."""
    missed, payment = inputs.whole("missed_payments"), inputs.money("current_payment")
    if not missed or missed < 0 or payment is None:
        return None
    owed = payment * missed
    fee = inputs.money("late_fee")
    if fee is not None:
        owed += fee * missed
        inputs.assume(f"a late fee charged for each of the {missed} missed payments")
    else:
        inputs.assume("late fees not included: the servicer's statement shows them")
    return Computed({"past_due": owed}, assumptions=inputs.assumptions)


def _new_loan_only(inputs: Inputs, balance: Decimal, loan_rate: Decimal | None) -> Computed | None:
    """The consolidation loan's own cost when the debts' rates are not known."""
    n = inputs.whole("term_months")
    if loan_rate is None or not n:
        return None
    payment = monthly_payment(balance, loan_rate, n)
    figures: dict[str, Decimal | int | str] = {
        "consolidation_payment": payment,
        "new_total_interest": total_interest(balance, loan_rate, n),
    }
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("loan_fee", fee_amount="money", amount_received="money")
def loan_fee(inputs: Inputs) -> Computed | None:
    """An origination fee taken out of the loan: what it costs and what reaches you."""
    amount, share = inputs.money("loan_amount"), inputs.percent("fee_pct")
    if amount is None or share is None or amount <= 0:
        return None
    fee = _cents(amount * share / 100)
    return Computed({"fee_amount": fee, "amount_received": amount - fee})


@calculator(
    "utilization",
    utilization_pct="percent",
    total_balances="money",
    total_limits="money",
    highest_card_utilization="percent",
)
def utilization(inputs: Inputs) -> Computed | None:
    """Credit utilization: card balances over credit limits, in all and, with several cards,
    the fullest card's (scoring models look at each card's too)."""
    cards = inputs.records("card_limits")
    highest: Decimal | None = None
    if cards:
        pairs = [
            (Decimal(str(c.get("balance", 0))), Decimal(str(c.get("limit", 0)))) for c in cards
        ]
        balances = sum((b for b, _ in pairs), Decimal(0))
        limits = sum((top for _, top in pairs), Decimal(0))
        shares = [b * 100 / top for b, top in pairs if top > 0]
        if len(shares) >= 2:
            highest = max(shares).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    else:
        balance, limit = inputs.money("card_balance"), inputs.money("credit_limit")
        if balance is None or limit is None:
            return None
        balances, limits = balance, limit
    if limits <= 0:
        return None
    share = (balances * 100 / limits).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    figures: dict[str, Decimal | int | str] = {
        "utilization_pct": share,
        "total_balances": balances,
        "total_limits": limits,
    }
    if highest is None:
        return Computed(figures)
    figures["highest_card_utilization"] = highest
    table = Comparison(
        "Each card",
        ["card", "balance", "limit", "utilization"],
        [
            [
                f"card {n}",
                money(balance),
                money(top),
                percent((balance * 100 / top).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)),
            ]
            for n, (balance, top) in enumerate(pairs, start=1)
            if top > 0
        ],
    )
    return Computed(figures, [table])
