"""How computed figures and next steps are put into words. Only formats numbers it is
given; the thresholds it names are the ones ``apfa.finance`` documents."""

from __future__ import annotations

from collections.abc import Callable, Mapping

Metrics = Mapping[str, float | int | str]


def money(value: float | int | str) -> str:
    return f"${float(value):,.2f}"


def percent(value: float | int | str) -> str:
    return f"{float(value) * 100:.1f}%"


def describe(field: str, value: float | int | str) -> str:
    """A profile value as a person would write it."""
    if isinstance(value, str):
        return value
    if field == "interest_rate":
        return f"{float(value):g}%"
    if field == "term_years":
        return f"{int(value)} years"
    if field == "credit_score":
        return str(int(value))
    return money(value)


def _num(metrics: Metrics, key: str) -> float | None:
    value = metrics.get(key)
    return float(value) if isinstance(value, int | float) else None


def _payment_line(m: Metrics) -> str | None:
    payment, amount = _num(m, "monthly_payment"), _num(m, "loan_amount")
    rate, term = _num(m, "interest_rate"), _num(m, "term_years")
    if payment is None or amount is None or rate is None or term is None:
        return None
    return (
        f"Monthly principal and interest: {money(payment)} on {money(amount)} "
        f"at {rate:.2f}% for {int(term)} years."
    )


def _interest_line(m: Metrics) -> str | None:
    interest, total = _num(m, "total_interest"), _num(m, "total_paid")
    if interest is None:
        return None
    tail = f" (total paid {money(total)})" if total is not None else ""
    return f"Total interest over the full term: {money(interest)}{tail}."


def _housing_line(m: Metrics) -> str | None:
    housing, escrow = (
        _num(m, "housing_payment_monthly"),
        _num(m, "estimated_taxes_insurance_monthly"),
    )
    pmi = _num(m, "pmi_monthly")
    if housing is None:
        return None
    extras = []
    if escrow:
        extras.append(f"{money(escrow)} estimated taxes and insurance")
    if pmi:
        extras.append(f"{money(pmi)} estimated mortgage insurance")
    detail = f", including {' and '.join(extras)}" if extras else ""
    return f"Estimated total monthly housing cost: {money(housing)}{detail}."


def _ratio_line(m: Metrics) -> str | None:
    front, back = _num(m, "dti_front"), _num(m, "dti_back")
    if back is None:
        return None
    front_part = f"{percent(front)} front-end (housing) and " if front is not None else ""
    return f"Debt-to-income: {front_part}{percent(back)} back-end (all debts)."


def _ltv_line(m: Metrics) -> str | None:
    ltv, down = _num(m, "ltv"), _num(m, "down_payment_pct")
    if ltv is None:
        return None
    down_part = f" with {percent(down)} down" if down is not None else ""
    return f"Loan-to-value: {percent(ltv)}{down_part}."


def _affordability_line(m: Metrics) -> str | None:
    cap = _num(m, "max_affordable_loan")
    if cap is None:
        return None
    return f"Largest loan that keeps you within common DTI limits: {money(cap)}."


def _risk_line(m: Metrics) -> str | None:
    tier = m.get("risk_tier")
    return f"Overall borrowing risk: {str(tier).replace('_', ' ')}." if tier else None


FIGURES: tuple[Callable[[Metrics], str | None], ...] = (
    _payment_line,
    _interest_line,
    _housing_line,
    _ratio_line,
    _ltv_line,
    _affordability_line,
    _risk_line,
)


def figure_lines(metrics: Metrics) -> list[str]:
    return [line for render in FIGURES if (line := render(metrics)) is not None]


def next_steps(metrics: Metrics, has_figures: bool) -> list[str]:
    steps: list[str] = []
    back, ltv = _num(metrics, "dti_back"), _num(metrics, "ltv")
    if back is not None and back > 0.43:
        steps.append(
            "Pay down monthly debts before applying; most lenders cap back-end DTI near 43%-50%."
        )
    elif back is not None and back > 0.36:
        steps.append(
            "Expect closer scrutiny: your back-end DTI is above the 36% many lenders prefer."
        )
    if ltv is not None and ltv > 0.80:
        steps.append("A larger down payment (20% or more) would avoid private mortgage insurance.")
    if metrics.get("credit_tier") in {"poor", "very_poor", "fair"}:
        steps.append(
            "Improving your credit score before you apply can lower the rate you are offered."
        )
    if not has_figures:
        steps.append(
            "Add your income, debts, credit score and the loan amount to get personalised figures."
        )
    steps.append(
        "Compare official Loan Estimates or offers from at least three lenders on the same day."
    )
    steps.append("Check your credit reports for errors for free at AnnualCreditReport.com.")
    return steps
