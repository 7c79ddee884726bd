"""analyse() tests: derived metrics, recorded assumptions, nothing invented."""

from __future__ import annotations

import json
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apfa.finance import (
    LOAN_TYPES,
    RATE_TABLE,
    LoanAnalysis,
    LoanProfile,
    analyse,
    max_affordable_loan,
    monthly_payment,
    pmi_monthly_estimate,
    total_interest,
)

FIRST_HOME = LoanProfile(
    annual_income=85_000,
    monthly_debt_payments=450,
    credit_score=720,
    home_price=350_000,
    down_payment=35_000,
)


def _is_plain(value: object) -> bool:
    return type(value) in (float, int, str)


def test_nothing_known_gives_nothing() -> None:
    result = analyse(LoanProfile())
    assert result == LoanAnalysis()
    assert result.metrics == {}
    assert result.risk is None


def test_credit_score_only() -> None:
    result = analyse(LoanProfile(credit_score=610))
    assert result.metrics == {"credit_tier": "poor", "risk_tier": "high"}
    assert result.risk is not None
    assert result.assumptions == []


def test_first_home_purchase() -> None:
    result = analyse(FIRST_HOME)
    m = result.metrics
    rate = RATE_TABLE["mortgage_30"]["very_good"]
    assert m["loan_amount"] == 315_000.0
    assert m["interest_rate"] == float(rate)
    assert m["term_years"] == 30
    assert m["monthly_payment"] == float(monthly_payment(315_000, rate, 360))
    assert m["total_interest"] == float(total_interest(315_000, rate, 360))
    assert m["total_paid"] == 315_000.0 + float(m["total_interest"])
    assert m["payoff_months"] == 360
    assert m["ltv"] == 0.9
    assert m["down_payment_pct"] == 0.1
    assert m["pmi_monthly"] == float(pmi_monthly_estimate(315_000, 0.9, 720)) == 110.25
    assert m["estimated_taxes_insurance_monthly"] == 422.92  # 350,000 * 1.45% / 12
    housing = Decimal(str(m["monthly_payment"])) + Decimal("110.25") + Decimal("422.92")
    assert m["housing_payment_monthly"] == float(housing)
    assert m["gross_monthly_income"] == 7083.33
    assert m["dti_front"] == float(round(housing / (Decimal(85_000) / 12), 4))
    assert m["dti_back"] == float(round((housing + 450) / (Decimal(85_000) / 12), 4))
    assert m["credit_tier"] == "very_good"
    assert m["risk_tier"] == "high"
    assert all(_is_plain(v) for v in m.values())


def test_first_home_assumptions_and_notes() -> None:
    result = analyse(FIRST_HOME)
    text = " | ".join(result.assumptions)
    assert "loan type assumed to be a mortgage" in text
    assert "home price $350,000.00 minus down payment $35,000.00 = $315,000.00" in text
    assert "loan term assumed 30 years" in text
    assert "from the APFA rate table" in text
    assert "1.10%/yr property tax" in text
    notes = " | ".join(result.notes)
    assert "PMI applies until LTV reaches 78%" in notes
    assert "above the estimated maximum" in notes
    assert result.risk is not None
    assert result.risk.tier == "high"


def test_first_home_yearly_rows_sum_to_the_loan() -> None:
    result = analyse(FIRST_HOME)
    assert len(result.yearly) == 30
    assert sum(Decimal(str(y.principal)) for y in result.yearly) == Decimal("315000")
    assert result.yearly[-1].balance == 0.0


def test_affordability_matches_the_calculator() -> None:
    m = analyse(FIRST_HOME).metrics
    rate = RATE_TABLE["mortgage_30"]["very_good"]
    escrow = Decimal("422.92")
    expected = max_affordable_loan(85_000, 450, rate, 360, monthly_taxes_insurance=escrow)
    assert m["max_affordable_loan"] == float(expected.max_loan)
    assert m["affordability_limited_by"] == expected.binding_cap


def test_given_rate_and_term_are_used_without_table_assumptions() -> None:
    profile = LoanProfile(loan_type="mortgage", loan_amount=200_000, interest_rate=6, term_years=30)
    result = analyse(profile)
    assert result.metrics["monthly_payment"] == 1199.10
    assert not any("rate table" in a for a in result.assumptions)
    assert not any("term assumed" in a for a in result.assumptions)
    # No home price: no LTV, PMI or taxes are invented, and that is said.
    assert "ltv" not in result.metrics
    assert "pmi_monthly" not in result.metrics
    assert "estimated_taxes_insurance_monthly" not in result.metrics
    assert any("taxes and insurance are not included" in n for n in result.notes)


def test_income_only_still_computes_affordability() -> None:
    result = analyse(LoanProfile(annual_income=60_000))
    m = result.metrics
    assert set(m) == {"gross_monthly_income", "max_affordable_loan", "affordability_limited_by"}
    assert m["gross_monthly_income"] == 5000.0
    rate = RATE_TABLE["mortgage_30"]["good"]
    assert m["max_affordable_loan"] == float(max_affordable_loan(60_000, 0, rate, 360).max_loan)
    assert any("sized as a mortgage" in a for a in result.assumptions)
    assert any("assumed $0" in a for a in result.assumptions)
    assert result.risk is None


def test_income_and_debts_give_current_dti() -> None:
    result = analyse(LoanProfile(annual_income=60_000, monthly_debt_payments=900))
    assert result.metrics["dti_back"] == 0.18
    assert "dti_front" not in result.metrics
    assert result.risk is not None
    assert result.risk.tier == "low"


def test_auto_loan() -> None:
    result = analyse(
        LoanProfile(
            loan_type="auto",
            loan_amount=25_000,
            annual_income=60_000,
            monthly_debt_payments=300,
            credit_score=650,
        )
    )
    m = result.metrics
    rate = RATE_TABLE["auto_new"]["fair"]
    assert m["interest_rate"] == float(rate)
    assert m["term_years"] == 5
    payment = monthly_payment(25_000, rate, 60)
    assert m["monthly_payment"] == float(payment)
    assert m["dti_back"] == float(round((payment + 300) / 5000, 4))
    assert "dti_front" not in m
    assert "housing_payment_monthly" not in m
    assert "ltv" not in m
    assert m["affordability_limited_by"] == "back"


def test_low_ltv_mortgage_has_no_pmi() -> None:
    result = analyse(
        LoanProfile(home_price=500_000, down_payment=150_000, interest_rate=6, term_years=15)
    )
    assert result.metrics["ltv"] == 0.7
    assert "pmi_monthly" not in result.metrics
    assert result.metrics["payoff_months"] == 180


def test_unknown_type_without_rate_does_not_compute_a_payment() -> None:
    result = analyse(LoanProfile(loan_amount=10_000))
    assert result.metrics == {"loan_amount": 10_000.0}
    assert any("not computed" in n for n in result.notes)


def test_invalid_fields_are_ignored_with_notes() -> None:
    result = analyse(
        LoanProfile(
            loan_amount=-5,
            credit_score=900,
            interest_rate=45,
            term_years=0,
            loan_type="boat",
            annual_income=float("nan"),
        )
    )
    assert result.metrics == {}
    assert result.risk is None
    assert len(result.notes) == 6


def test_down_payment_covering_the_price() -> None:
    result = analyse(LoanProfile(home_price=300_000, down_payment=300_000))
    assert result.metrics["loan_amount"] == 0.0
    assert "monthly_payment" not in result.metrics
    assert any("no loan is needed" in n for n in result.notes)


def test_from_fields_and_json_round_trip() -> None:
    profile = LoanProfile.from_fields(
        {
            "annual_income": 85_000.0,
            "credit_score": 720,
            "loan_type": "auto",
            "loan_amount": 25_000.0,
            "unknown": "x",
            "term_years": 4.0,
        }
    )
    assert profile.term_years == 4
    assert profile.loan_type == "auto"
    result = analyse(profile)
    payload = json.loads(json.dumps(result.to_dict()))
    assert payload["metrics"]["term_years"] == 4
    assert payload["risk"]["tier"] == result.metrics["risk_tier"]
    assert len(payload["yearly"]) == 4


_money = st.one_of(st.none(), st.floats(), st.integers(-5, 10**9))


@settings(max_examples=200, deadline=None)
@given(
    income=_money,
    debts=_money,
    amount=_money,
    price=_money,
    down=_money,
    score=st.one_of(st.none(), st.integers(0, 1000)),
    loan_type=st.one_of(st.none(), st.sampled_from([*LOAN_TYPES, "boat", ""])),
    rate=st.one_of(st.none(), st.floats(-1, 40)),
    term=st.one_of(st.none(), st.integers(-1, 60)),
)
def test_analyse_never_raises_and_returns_plain_values(
    income: float | None,
    debts: float | None,
    amount: float | None,
    price: float | None,
    down: float | None,
    score: int | None,
    loan_type: str | None,
    rate: float | None,
    term: int | None,
) -> None:
    profile = LoanProfile(income, debts, score, loan_type, amount, price, down, rate, term)
    result = analyse(profile)
    assert all(type(v) in (float, int, str) for v in result.metrics.values())
    assert (result.risk is None) == ("risk_tier" not in result.metrics)
    if "monthly_payment" in result.metrics:
        months = int(result.metrics["payoff_months"])
        assert len(result.yearly) == (months + 11) // 12
    json.dumps(result.to_dict())
