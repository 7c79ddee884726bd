"""Calculators for a mortgage's rate: refinancing, discount points, cash-out and HELOC
draws, ARM adjustments and a fixed rate against an ARM."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal

from apfa.advice.calculators.base import Comparison, Computed, FigureKind, Inputs, calculator
from apfa.advice.calculators.housing import HUNDRED, cents
from apfa.advice.calculators.loans import loan_type, principal, term_months
from apfa.advice.formatting import money, percent
from apfa.finance.arm import arm_adjustment
from apfa.finance.loans import amortization_schedule, monthly_payment, total_interest
from apfa.finance.rates import DEFAULT_TERM_YEARS
from apfa.finance.ratios import PMI_FREE_LTV

_REFINANCE_FIGURES: dict[str, FigureKind] = {
    "current_payment": "money",
    "new_payment": "money",
    "monthly_saving": "money",
    "break_even_months": "months",
    "interest_difference": "money",
    "refi_total_interest": "money",
    "payment_increase": "money",
    "new_loan_months": "months",
    "refi_loan_amount": "money",
}


@calculator("refinance", **_REFINANCE_FIGURES)
def refinance(inputs: Inputs) -> Computed | None:
    balance = inputs.money("loan_balance", "student_balance", "loan_amount")
    current_rate = inputs.percent("interest_rate")
    new_rate = inputs.percent("new_rate")
    rates = inputs.numbers("rates")
    if (current_rate is None or new_rate is None) and len(rates) >= 2:
        current_rate = rates[0]  # "from 6.8% to 5.2%": the one named first is the loan's now
    if new_rate is None and len(rates) >= 2:
        new_rate = rates[1]
    if balance is None or current_rate is None or new_rate is None:
        return _stated_saving(inputs)
    # "a new 30 yr": the new loan's term, and the term read is not the current loan's
    new_term = inputs.whole("new_term_months")
    remaining = inputs.whole("remaining_months") or (
        inputs.whole("term_months") if new_term is None else None
    )
    if new_term is None and inputs.whole("remaining_months"):
        new_term = inputs.whole("term_months")
    if new_term is None and loan_type(inputs) != "mortgage" and remaining:
        new_term = remaining
        inputs.assume("new loan over the months left on the current one")
    if new_term is None:
        years = DEFAULT_TERM_YEARS[loan_type(inputs)]
        new_term = years * 12
        inputs.assume(f"new loan assumed to run {years} years")
    # what the person says they pay now ("paying $519/mo"), else the schedule's payment
    stated = inputs.money("current_payment", "payment_budget")
    if stated is not None:
        current = stated
    elif remaining:
        current = monthly_payment(balance, current_rate, remaining)
    else:
        return None
    costs = inputs.money("closing_costs")
    # "they'd roll the 4,200 closing costs into the loan": the new loan borrows them too
    borrowed = balance
    if costs is not None and inputs.text("closing_costs_paid") == "financed":
        borrowed = balance + costs
    new = monthly_payment(borrowed, new_rate, new_term)
    saving = current - new
    figures: dict[str, Decimal | int | str] = {
        "current_payment": current,
        "new_payment": new,
        "refi_total_interest": total_interest(borrowed, new_rate, new_term),
        "new_loan_months": new_term,
    }
    if borrowed != balance:
        figures["refi_loan_amount"] = borrowed
    # a higher new payment is an increase, never a negative saving
    figures["monthly_saving" if saving >= 0 else "payment_increase"] = abs(saving)
    if costs is not None and saving > 0:
        figures["break_even_months"] = int((costs / saving).to_integral_value(ROUND_CEILING))
    if remaining:
        figures["interest_difference"] = total_interest(
            balance, current_rate, remaining
        ) - total_interest(borrowed, new_rate, new_term)
    return Computed(figures, assumptions=inputs.assumptions)


def _stated_saving(inputs: Inputs) -> Computed | None:
    """ "Refi would cut my payment by 210 a month, closing costs are 6,300": the break-even
    from the saving and the costs as stated, without the loans' terms."""
    saving, costs = inputs.money("payment_reduction"), inputs.money("closing_costs")
    if saving is None or saving <= 0:
        return None
    figures: dict[str, Decimal | int | str] = {"monthly_saving": saving}
    if costs is not None:
        figures["break_even_months"] = int((costs / saving).to_integral_value(ROUND_CEILING))
    return Computed(figures, assumptions=inputs.assumptions)


@calculator("refinance_option", **_REFINANCE_FIGURES)
def refinance_option(inputs: Inputs) -> Computed | None:
    """A term weighed for a loan one already has ("owe 265k with 26 years left, a 15-year
    refi at 5.6%?"): the refinance figures, never for two rates of a new purchase."""
    if loan_type(inputs) != "refinance" and inputs.whole("remaining_months") is None:
        return None
    return refinance(inputs)


@calculator(
    "points",
    points_cost="money",
    points_monthly_saving="money",
    points_break_even="months",
    payment_without_points="money",
    payment_with_points="money",
    points_horizon_months="months",
    points_horizon_saving="money",
    points_horizon_gain="money",
    points_horizon_loss="money",
)
def points(inputs: Inputs) -> Computed | None:
    amount, bought = principal(inputs), inputs.number("points")
    if bought is None and (stated := inputs.money("points_cost")) is not None and amount:
        bought = stated * HUNDRED / amount
    without, with_points = inputs.percent("interest_rate"), inputs.percent("new_rate")
    rates = inputs.numbers("rates")
    if len(rates) >= 2:
        without, with_points = max(rates[:2]), min(rates[:2])
        # "what if I buy 1 point and get 6.625 instead": a new rate offered for the points
        offered = inputs.percent("new_rate")
        if offered is not None and offered not in rates[:2] and offered < without:
            with_points = offered
    if amount is None or bought is None or without is None or with_points is None:
        return None
    n = term_months(inputs)
    cost = inputs.money("points_cost") or cents(amount * bought / HUNDRED)
    before, after = monthly_payment(amount, without, n), monthly_payment(amount, with_points, n)
    saving = before - after
    figures: dict[str, Decimal | int | str] = {
        "points_cost": cost,
        "payment_without_points": before,
        "payment_with_points": after,
        "points_monthly_saving": saving,
    }
    if saving > 0:
        figures["points_break_even"] = int((cost / saving).to_integral_value(ROUND_CEILING))
    # "we're moving in 5 years": what the points save over the time the loan is kept
    kept = inputs.whole("horizon_months")
    if kept is None and (years := inputs.whole("horizon_years")) is not None:
        kept = years * 12
    if kept and saving > 0:
        kept = min(kept, n)
        saved = saving * kept
        figures["points_horizon_months"] = kept
        figures["points_horizon_saving"] = saved
        if saved >= cost:
            figures["points_horizon_gain"] = saved - cost
        else:
            figures["points_horizon_loss"] = cost - saved
    return Computed(figures, assumptions=inputs.assumptions)


@calculator(
    "cash_out",
    max_loan_80="money",
    max_cash_out="money",
    heloc_interest_only_payment="money",
    heloc_repayment_payment="money",
    heloc_rate_now="percent",
    heloc_repayment_interest="money",
    ltv_now="percent",
    owed_with_cash="money",
    cltv_with_cash="percent",
)
def cash_out(inputs: Inputs) -> Computed | None:
    """Equity available at 80% of the value (with the home's value known, an amount owed
    is the mortgage's balance), the interest-only payment on a line drawn, and the payment
    once its repayment period starts."""
    figures: dict[str, Decimal | int | str] = {}
    value = inputs.money("home_value", "home_price")
    balance = inputs.money("loan_balance")
    if value is not None and balance is None:
        balance = inputs.money("loan_amount")
    needed = inputs.money("cash_needed")
    if value is not None and balance is not None:
        cap = cents(value * PMI_FREE_LTV)
        figures["max_loan_80"] = cap
        figures["max_cash_out"] = max(cap - balance, Decimal(0))
        if value > 0:
            figures["ltv_now"] = (balance * HUNDRED / value).quantize(Decimal("0.1"))
            if needed is not None:  # what would be owed against the home with the cash out
                figures["owed_with_cash"] = balance + needed
                figures["cltv_with_cash"] = ((balance + needed) * HUNDRED / value).quantize(
                    Decimal("0.1")
                )
    drawn = (inputs.money("invested_amount") or needed) if value is not None else None
    drawn = drawn or (inputs.money("loan_amount") if value is None else None)
    line_rate = inputs.percent("heloc_rate", "interest_rate", "new_rate")
    index, margin = inputs.percent("index_rate"), inputs.percent("margin")
    if line_rate is None and index is not None and margin is not None:
        line_rate = index + margin  # "prime + .5, prime's 7.5"
        figures["heloc_rate_now"] = line_rate
    if drawn is not None and line_rate is not None:
        figures["heloc_interest_only_payment"] = cents(drawn * line_rate / 1200)
        repay = inputs.whole("term_months")
        if repay:
            figures["heloc_repayment_payment"] = monthly_payment(drawn, line_rate, repay)
            figures["heloc_repayment_interest"] = total_interest(drawn, line_rate, repay)
    return Computed(figures, assumptions=inputs.assumptions) if figures else None


@calculator(
    "arm_reset",
    new_rate="percent",
    fully_indexed_rate="percent",
    max_first_rate="percent",
    reset_payment="money",
    payment_before_reset="money",
    payment_change="money",
    max_rate="percent",
    max_payment="money",
    max_first_payment="money",
    balance_at_reset="money",
)
def arm_reset(inputs: Inputs) -> Computed | None:
    current = inputs.percent("arm_rate", "interest_rate")
    if current is None:
        return None
    caps = _caps(inputs)
    if caps is None:
        return None
    initial, periodic, lifetime = caps
    figures: dict[str, Decimal | int | str] = {
        "max_first_rate": current + initial,
        "max_rate": current + lifetime,
    }
    balance = inputs.money("loan_balance", "loan_amount")
    months_left = inputs.whole("remaining_months")
    index, margin = inputs.percent("index_rate"), inputs.percent("margin")
    if index is not None and margin is not None:
        # At the first adjustment: the index plus the margin, within the first cap and the
        # lifetime ceiling (the payment needs the balance, below).
        figures["fully_indexed_rate"] = index + margin
        figures["new_rate"] = min(index + margin, current + initial, current + lifetime)
    if balance is None or index is None or margin is None:
        if balance is not None and inputs.money("loan_balance") is None:
            figures |= _worst_case_from_start(inputs, balance, current, initial, lifetime)
        return Computed(figures, assumptions=inputs.assumptions)
    if not months_left:
        total = term_months(inputs)
        fixed = inputs.whole("fixed_years") or 5
        months_left = total - fixed * 12
        inputs.assume(f"{months_left} months left on the loan at the adjustment")
    made = inputs.whole("payments_made")
    first = made is None or made <= 12 * (inputs.whole("fixed_years") or 5)
    adjustment = arm_adjustment(
        balance, months_left, current, index, margin, initial, periodic, lifetime, current, first
    )
    figures |= {
        "fully_indexed_rate": adjustment.fully_indexed_rate,
        "new_rate": adjustment.new_rate,
        "payment_before_reset": adjustment.current_payment,
        "reset_payment": adjustment.new_payment,
        "payment_change": adjustment.payment_change,
        "max_rate": adjustment.lifetime_ceiling,
        "max_payment": adjustment.worst_case_payment,
    }
    return Computed(figures, assumptions=inputs.assumptions)


def _worst_case_from_start(
    inputs: Inputs, amount: Decimal, start: Decimal, initial: Decimal, lifetime: Decimal
) -> dict[str, Decimal | int | str]:
    """A new ARM of ``amount`` at ``start``: the balance left when its fixed period ends and
    the payment on it at the first-adjustment cap and at the lifetime cap."""
    total = term_months(inputs)
    fixed = (inputs.whole("fixed_years") or 5) * 12
    if fixed >= total:
        return {}
    left = amortization_schedule(amount, start, total)[fixed - 1].balance
    months = total - fixed
    return {
        "balance_at_reset": left,
        "max_first_payment": monthly_payment(left, start + initial, months),
        "max_payment": monthly_payment(left, start + lifetime, months),
    }


def _caps(inputs: Inputs) -> tuple[Decimal, Decimal, Decimal] | None:
    """The first, later and lifetime caps: stated, or 2/1/5 (listed as assumed) when some
    were not given but the question is about an adjustment."""
    initial = inputs.percent("initial_cap")
    periodic = inputs.percent("periodic_cap")
    lifetime = inputs.percent("lifetime_cap")
    if initial is not None and periodic is not None and lifetime is not None:
        return initial, periodic, lifetime
    if initial is None and lifetime is None and inputs.percent("margin") is None:
        return None
    inputs.assume("caps not given assumed 2/1/5 (first, later and lifetime), the most common")
    return initial or Decimal(2), periodic or Decimal(1), lifetime or Decimal(5)


@calculator(
    "fixed_vs_arm",
    fixed_payment="money",
    arm_initial_payment="money",
    arm_monthly_saving="money",
    arm_fixed_period_saving="money",
    arm_fixed_months="months",
    fixed_balance_after_period="money",
    arm_balance_after_period="money",
)
def fixed_vs_arm(inputs: Inputs) -> Computed | None:
    """A fixed rate against an ARM's starting rate on the same amount: the payments, and
    what the ARM saves while its rate is fixed (before any adjustment), and what is still
    owed on each when that period ends."""
    amount = principal(inputs)
    rates = inputs.numbers("rates")
    arm_rate = inputs.percent("arm_rate")
    fixed_rate = inputs.percent("fixed_rate")
    if arm_rate is None and len(rates) >= 2:
        arm_rate = rates[1]
    if fixed_rate is None:
        others = [r for r in rates if r != arm_rate]
        fixed_rate = others[0] if others else None
    if amount is None or arm_rate is None or fixed_rate is None:
        return None
    n = term_months(inputs)
    fixed, arm = monthly_payment(amount, fixed_rate, n), monthly_payment(amount, arm_rate, n)
    years = inputs.whole("fixed_years")
    if years is None:
        years = 5
        inputs.assume("the ARM's rate assumed fixed for the first 5 years (a 5/1 or 5/6 ARM)")
    period = years * 12
    figures: dict[str, Decimal | int | str] = {
        "fixed_payment": fixed,
        "arm_initial_payment": arm,
        "arm_fixed_months": period,
    }
    owed = ["", ""]
    if period < n:  # the schedule's balance when the ARM's fixed period ends
        fixed_left = amortization_schedule(amount, fixed_rate, n)[period - 1].balance
        arm_left = amortization_schedule(amount, arm_rate, n)[period - 1].balance
        figures["fixed_balance_after_period"] = fixed_left
        figures["arm_balance_after_period"] = arm_left
        owed = [money(fixed_left), money(arm_left)]
    if fixed >= arm:  # an ARM that starts higher saves nothing, and no negative saving is shown
        figures["arm_monthly_saving"] = fixed - arm
        figures["arm_fixed_period_saving"] = (fixed - arm) * period
    table = Comparison(
        f"{money(amount)} fixed or adjustable",
        ["loan", "rate", "monthly payment", f"paid over the first {years} years"],
        [
            ["fixed", percent(fixed_rate), money(fixed), money(fixed * period)],
            ["ARM (starting rate)", percent(arm_rate), money(arm), money(arm * period)],
        ],
    )
    if owed[0]:
        table.columns.append(f"still owed after {years} years")
        for row, left in zip(table.rows, owed, strict=True):
            row.append(left)
    return Computed(figures, [table], inputs.assumptions)


@calculator(
    "arm_stated_reset",
    arm_new_rate="percent",
    arm_payment_before="money",
    new_arm_payment="money",
    arm_payment_increase="money",
    arm_payment_decrease="money",
)
def arm_stated_reset(inputs: Inputs) -> Computed | None:
    """A reset whose new rate the person states ("4.75 -> 7.25, 241,300 left over 23
    years"): the payment that spreads the balance over the months left at the new rate,
    against the payment now (stated, or the schedule's at the old rate)."""
    rates = inputs.numbers("rates")
    current = inputs.percent("arm_rate", "interest_rate") or (rates[0] if rates else None)
    new = inputs.percent("new_rate") or (rates[1] if len(rates) >= 2 else None)
    balance = inputs.money("loan_balance", "loan_amount")
    months_left = inputs.whole("remaining_months")
    if current is None or new is None or new == current or balance is None or not months_left:
        return None
    before = inputs.money("current_payment") or monthly_payment(balance, current, months_left)
    after = monthly_payment(balance, new, months_left)
    change = "arm_payment_increase" if after >= before else "arm_payment_decrease"
    return Computed(
        {
            "arm_new_rate": new,
            "arm_payment_before": before,
            "new_arm_payment": after,
            change: abs(after - before),
        }
    )
