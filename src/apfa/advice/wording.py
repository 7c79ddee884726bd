"""The loan analysis's figures in words (for an LLM's prompt) and profile values as a person
writes them (for the notes on what was read from a question). Only formats numbers it is
given."""

from __future__ import annotations

from collections.abc import Callable, Mapping

Metrics = Mapping[str, float | int | str]


def money(value: float | int | str) -> str:
    return f"${float(value) + 0.0:,.2f}"  # + 0.0: never "$-0.00"


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
