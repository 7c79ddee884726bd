"""``analyse``: turn a (partial) borrower profile into metrics, assumptions, risk and a chart.

Output convention: every metric is a plain ``float`` (money in cents, ratios as 4-decimal
fractions - ``down_payment_pct`` too - and ``interest_rate`` in percent), an ``int``
(``term_years``, ``payoff_months``) or a ``str`` (``credit_tier``, ``risk_tier``,
``affordability_limited_by``). A metric is present only when it follows from the profile plus
the documented tables and the assumptions below; each default used is listed in
``assumptions``.

* rate from :mod:`apfa.finance.rates` when none is given; term from ``DEFAULT_TERM_YEARS``;
* loan amount ``home_price - down_payment`` when not given (the reverse for the down payment);
* a home price or down payment without a loan type means a mortgage;
* mortgage taxes and insurance: 1.10%/yr property tax + 0.35%/yr homeowners insurance of the
  home price (:data:`PROPERTY_TAX_RATE`, :data:`HOME_INSURANCE_RATE`), only when a price is known;
* mortgage/refinance insurance: conventional PMI grid (:mod:`apfa.finance.ratios`) above 80%
  LTV (credit band 680-699 when the score is unknown);
* affordability: 28%/36% DTI caps for mortgage/refinance, 36% back-end only for other loans,
  sized as a mortgage when no loan type is known; missing other debts count as $0 (said so).
"""

from __future__ import annotations

from decimal import Decimal

from apfa.finance.affordability import max_affordable_loan
from apfa.finance.analysis_state import HOUSING_TYPES, State, usd
from apfa.finance.housing_costs import HOME_INSURANCE_RATE, PROPERTY_TAX_RATE, monthly_escrow
from apfa.finance.loans import (
    amortization_schedule,
    monthly_payment,
    yearly_summary,
)
from apfa.finance.models import LoanAnalysis, LoanProfile, YearlyRow, sanitize
from apfa.finance.money import TWELVE, ZERO, ratio4
from apfa.finance.rates import DEFAULT_TERM_YEARS, LoanType, credit_tier, lookup_rate
from apfa.finance.ratios import (
    PMI_AUTO_CANCEL_LTV,
    PMI_FREE_LTV,
    fha_annual_mip_monthly,
    fha_upfront_mip,
    ltv,
    pmi_credit_band,
    pmi_monthly_estimate,
)
from apfa.finance.risk import RiskAssessment, assess_risk

__all__ = [
    "HOME_INSURANCE_RATE",
    "PROPERTY_TAX_RATE",
    "LoanAnalysis",
    "LoanProfile",
    "RiskAssessment",
    "YearlyRow",
    "analyse",
]

_UNKNOWN_SCORE_PMI = 690  # the 680-699 PMI band, matching the "good" rate tier
_CONVENTIONAL_MAX_LTV = Decimal("0.97")


def _rate_and_term(s: State, loan_type: LoanType) -> tuple[Decimal, int]:
    """Rate and term for ``loan_type``, recording any default as an assumption."""
    term = s.p.term_years
    if term is None:
        term = DEFAULT_TERM_YEARS[loan_type]
        s.assume(f"loan term assumed {term} years (the APFA default for {loan_type} loans)")
    rate = s.p.interest_rate
    if rate is None:
        rate, text = lookup_rate(loan_type, s.p.credit_score, term)
        s.assume(text)
    return rate, term


def _resolve_amount(s: State) -> None:
    p = s.p
    if p.loan_amount is not None:
        s.amount = p.loan_amount
        price = p.home_price
        buying = s.loan_type == "mortgage"
        if buying and price is not None and p.down_payment is None and s.amount <= price:
            p.down_payment = price - s.amount
            s.assume(f"down payment taken as home price minus loan amount: {usd(p.down_payment)}")
    elif p.home_price is not None and p.down_payment is not None:
        if p.down_payment >= p.home_price:
            s.notes.append("the down payment covers the whole price, so no loan is needed")
            s.amount = ZERO
        else:
            s.amount = p.home_price - p.down_payment
            s.assume(
                f"loan amount derived as home price {usd(p.home_price)} minus down "
                f"payment {usd(p.down_payment)} = {usd(s.amount)}"
            )
    if s.amount is not None:
        s.money("loan_amount", s.amount)


def _payment(s: State) -> None:
    p, amount = s.p, s.amount
    if amount is None or amount <= 0:
        return
    if s.loan_type is not None:
        rate, term = _rate_and_term(s, s.loan_type)
    elif p.interest_rate is not None and p.term_years is not None:
        rate, term = p.interest_rate, p.term_years
    else:
        s.notes.append(
            "the loan type is unknown and the rate and term were not both given, so the "
            "payment was not computed"
        )
        return
    s.schedule = amortization_schedule(amount, rate, term * 12)
    interest = sum((row.interest for row in s.schedule), ZERO)
    s.new_payment = monthly_payment(amount, rate, term * 12)
    s.metrics["interest_rate"] = float(rate)
    s.metrics["term_years"] = term
    s.money("monthly_payment", s.new_payment)
    s.money("total_interest", interest)
    s.money("total_paid", amount + interest)
    s.metrics["payoff_months"] = len(s.schedule)
    if s.loan_type == "heloc":
        s.assume(
            "HELOC modelled as a fully amortising loan over the term (interest-only draw "
            "periods start lower)"
        )


def _pmi(s: State, home_price: Decimal, loan_ltv: Decimal) -> Decimal:
    amount = s.amount or ZERO
    score = s.p.credit_score
    if score is None:
        score = _UNKNOWN_SCORE_PMI
        s.assume(
            f"credit score not given: PMI estimated for the {pmi_credit_band(score)} credit band"
        )
    s.assume("conventional loan assumed: PMI from the APFA grid by LTV and credit band")
    pmi = pmi_monthly_estimate(amount, loan_ltv, score)
    s.money("pmi_monthly", pmi)
    target = home_price * PMI_AUTO_CANCEL_LTV
    month = next((row.month for row in s.schedule if row.balance <= target), None)
    when = f", around month {month} (year {(month - 1) // 12 + 1})" if month else ""
    s.notes.append(
        f"PMI applies until LTV reaches 78% (a balance of {usd(target)}){when}, when "
        f"it ends automatically; you can ask to cancel it at 80%"
    )
    s.notes.append(
        f"an FHA loan would instead charge {usd(fha_upfront_mip(amount))} upfront "
        f"MIP (1.75%) and about {usd(fha_annual_mip_monthly(amount))}/month annual "
        f"MIP (0.55%)"
    )
    if loan_ltv > _CONVENTIONAL_MAX_LTV:
        s.notes.append("LTV above 97% exceeds conventional limits; PMI uses the 95-97% band")
    return pmi


def _escrow_estimate(s: State) -> Decimal | None:
    if s.p.home_price is None:
        return None
    monthly = monthly_escrow(s.p.home_price).monthly
    s.assume(
        "taxes and insurance estimated at 1.10%/yr property tax + 0.35%/yr homeowners "
        "insurance of the home price"
    )
    return monthly


def _housing(s: State) -> None:
    p = s.p
    if not s.housing:
        return
    buying = s.loan_type == "mortgage"
    if buying and p.home_price and p.down_payment is not None and p.down_payment <= p.home_price:
        s.ratio("down_payment_pct", p.down_payment / p.home_price)
    if s.new_payment is None or s.amount is None:
        return
    payment = s.new_payment
    if p.home_price:
        s.ltv = ltv(s.amount, p.home_price)
        s.ratio("ltv", s.ltv)
        if s.ltv > PMI_FREE_LTV:
            payment += _pmi(s, p.home_price, s.ltv)
    escrow = _escrow_estimate(s)
    if escrow is None:
        s.notes.append("property taxes and insurance are not included (home price unknown)")
    else:
        s.money("estimated_taxes_insurance_monthly", escrow)
        payment += escrow
    s.new_payment = payment
    s.money("housing_payment_monthly", payment)


def _income(s: State) -> Decimal | None:
    """Income ratios; returns payment-to-income when a new payment is known."""
    p = s.p
    if p.annual_income is None:
        return None
    if p.annual_income == 0:
        s.notes.append("income is $0, so ratios and affordability were not computed")
        return None
    s.gmi = p.annual_income / TWELVE
    s.money("gross_monthly_income", s.gmi)
    debts = p.monthly_debt_payments
    if debts is None:
        debts = ZERO
        s.assume("other monthly debt payments not given; assumed $0")
    if s.new_payment is None:
        if p.monthly_debt_payments is not None:
            s.dti_back = ratio4(debts / s.gmi)
            s.ratio("dti_back", s.dti_back)
            s.notes.append("dti_back covers existing debts only (no new loan payment known)")
        return None
    if s.housing:
        s.ratio("dti_front", s.new_payment / s.gmi)
    s.dti_back = ratio4((s.new_payment + debts) / s.gmi)
    s.ratio("dti_back", s.dti_back)
    pti = ratio4(s.new_payment / s.gmi)
    s.ratio("payment_to_income", pti)
    return pti


def _affordability(s: State) -> None:
    if s.gmi is None or s.p.annual_income is None:
        return
    loan_type = s.loan_type
    if loan_type is None:
        loan_type = "mortgage"
        s.assume("maximum loan sized as a mortgage because no loan type was given")
    rate, term = _rate_and_term(s, loan_type)
    housing = loan_type in HOUSING_TYPES
    escrow = _escrow_estimate(s) if housing else None
    if housing and escrow is None:
        s.notes.append(
            "max_affordable_loan excludes property taxes and insurance (home price "
            "unknown), so the real maximum is lower"
        )
    result = max_affordable_loan(
        s.p.annual_income,
        s.p.monthly_debt_payments or ZERO,
        rate,
        term * 12,
        front_cap=Decimal("0.28") if housing else None,
        back_cap=Decimal("0.36"),
        monthly_taxes_insurance=escrow or ZERO,
    )
    s.money("max_affordable_loan", result.max_loan)
    s.metrics["affordability_limited_by"] = result.binding_cap
    caps = "28%/36%" if housing else "36%"
    if s.amount is not None and s.amount > result.max_loan:
        s.notes.append(
            f"the loan of {usd(s.amount)} is above the estimated maximum of "
            f"{usd(result.max_loan)} under the {caps} debt-to-income caps"
        )


def analyse(profile: LoanProfile) -> LoanAnalysis:
    """Analyse ``profile``; invalid fields are ignored with a note rather than raising."""
    notes: list[str] = []
    s = State(p=sanitize(profile, notes), notes=notes)
    s.loan_type = s.p.loan_type
    if s.loan_type is None and (s.p.home_price is not None or s.p.down_payment is not None):
        s.loan_type = "mortgage"
        s.assume(
            "loan type assumed to be a mortgage because a home price or down payment was given"
        )
    if s.p.credit_score is not None:
        s.metrics["credit_tier"] = credit_tier(s.p.credit_score)
    _resolve_amount(s)
    _payment(s)
    _housing(s)
    pti = _income(s)
    _affordability(s)
    risk: RiskAssessment | None = None
    if s.dti_back is not None or s.ltv is not None or s.p.credit_score is not None:
        risk = assess_risk(
            dti_back=s.dti_back,
            ltv=s.ltv,
            credit_score=s.p.credit_score,
            payment_to_income=pti,
        )
        s.metrics["risk_tier"] = risk.tier
    yearly = [
        YearlyRow(y.year, float(y.principal), float(y.interest), float(y.balance))
        for y in yearly_summary(s.schedule)
    ]
    return LoanAnalysis(s.metrics, s.assumptions, risk, yearly, s.notes)
