"""Dated public parameters: every figure the calculators take from a law, a regulation or an
agency, with its value, the date it took effect (``as_of``) and its source, in one place.

Each :class:`Parameter` names the authority and the document. ``as_of`` is the date the figure
took effect where the source dates it; for long-standing statutory and regulatory figures (IRC,
HEA, 34 CFR, the GSE charters) it is :data:`REVIEWED`, the date they were checked as in force.
``confirmed`` is ``False`` where the value could not be checked, in this review, against that
document or a faithful summary of it; its note then says what was checked instead. Figures for
2027 (IRS, FHFA, HHS) were not yet found on :data:`REVIEWED`, so the 2026 values stand.

Units: ``usd`` dollars, ``fraction`` (``0.0175`` = 1.75%), ``multiple`` (1.5 = 150%),
``points`` (percentage points), ``months``, ``count``, ``age`` (years) and ``score`` (FICO).
Money limits are per year unless the key says otherwise.

Tables that are not one number (FHA annual MIP by term, amount and LTV; the RAP income bands)
are typed tuples below, each with its source in :data:`TABLE_SOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

REVIEWED = "2026-12-03"

Unit = Literal["usd", "fraction", "multiple", "points", "months", "count", "age", "score"]


@dataclass(frozen=True)
class Parameter:
    """One dated figure: ``value`` in ``unit``, in force from ``as_of`` per ``source``."""

    key: str
    value: Decimal
    unit: Unit
    as_of: str
    source: str
    note: str = ""
    confirmed: bool = True


@dataclass(frozen=True)
class TableSource:
    """Where a table below comes from."""

    key: str
    as_of: str
    source: str
    note: str = ""
    confirmed: bool = True


_ML_2023_05 = (
    "HUD Mortgagee Letter 2023-05, Reduction of FHA Annual MIP Rates (issued 2023-02-22, "
    "case numbers endorsed on or after 2023-03-20), carried into HUD Handbook 4000.1 "
    "Appendix 1.0"
)
_ML_2013_04 = (
    "HUD Mortgagee Letter 2013-04, cancellation of the annual MIP (issued 2013-01-31, case "
    "numbers assigned on or after 2013-06-03)"
)
_ML_2010_29 = (
    "HUD Mortgagee Letter 2010-29, Minimum Credit Scores and Loan-to-Value Ratios (case "
    "numbers assigned on or after 2010-10-04); National Housing Act 203(b)(9) minimum investment"
)
_HPA = (
    "Homeowners Protection Act of 1998, 12 U.S.C. 4901-4902 (loans consummated on or after "
    "1999-07-29); CFPB Compliance Bulletin 2015-03"
)
_FHFA_2026 = "FHFA news release, Conforming Loan Limit Values for 2026 (2025-11-25)"
_FANNIE_97 = "Fannie Mae, Expanded 97% LTV Options (HomeReady and standard 97% LTV purchase)"
_NOTICE_2025_67 = "IRS Notice 2025-67, 2026 retirement plan limitations (2025-11-13)"
_REV_PROC_2025_19 = "IRS Rev. Proc. 2025-19, 2026 HSA and HDHP amounts (2025-05-01)"
_REV_PROC_2025_32 = (
    "IRS Rev. Proc. 2025-32, 2026 inflation adjustments with the P.L. 119-21 amendments "
    "(2025-10-09)"
)
_OBBBA = "One Big Beautiful Bill Act, Public Law 119-21 (signed 2025-07-04)"
_RAP = (
    f"{_OBBBA}, Repayment Assistance Plan (Higher Education Act 455(q)); available from 2026-07-01"
)
_RAP_CHECKED = (
    "The statute text was not read here; checked against the James Madison University "
    "financial aid OBBBA summary, Fidelity's RAP explainer and a calculator quoting the statute."
)
_HHS_2026 = (
    "HHS, Annual Update of the HHS Poverty Guidelines, 91 FR 1797 (FR Doc. 2026-00755, "
    "2026-01-15, effective 2026-01-13); ASPE poverty guidelines page"
)
_IBR = (
    "Higher Education Act 493C (20 U.S.C. 1098e); new-borrower terms (no balance on "
    "2014-07-01) from the Health Care and Education Reconciliation Act of 2010"
)


def _p(
    key: str,
    value: str,
    unit: Unit,
    as_of: str,
    source: str,
    note: str = "",
    confirmed: bool = True,
) -> Parameter:
    return Parameter(key, Decimal(value), unit, as_of, source, note, confirmed)


_ALL: tuple[Parameter, ...] = (
    # --- FHA -----------------------------------------------------------------------------
    _p(
        "fha_upfront_mip_rate",
        "0.0175",
        "fraction",
        "2023-03-20",
        _ML_2023_05,
        "Upfront MIP, 1.75% of the base loan, usually financed. In force before 2023; as_of is "
        "the letter that restated it unchanged.",
    ),
    _p(
        "fha_annual_mip_rate_standard",
        "0.0055",
        "fraction",
        "2023-03-20",
        _ML_2023_05,
        "Annual MIP for a term over 15 years, base loan at or below $726,200, LTV above 95% "
        "(the most common FHA loan); the full grid is FHA_ANNUAL_MIP_TABLE.",
    ),
    _p(
        "fha_mip_base_loan_threshold",
        "726200",
        "usd",
        "2023-03-20",
        _ML_2023_05,
        "Base loan amount that splits the annual MIP grid (the 2023 national conforming limit, "
        "written into the letter as a fixed figure).",
    ),
    _p(
        "fha_mip_limited_duration_max_ltv",
        "0.90",
        "fraction",
        "2013-06-03",
        _ML_2013_04,
        "Annual MIP is charged for 11 years (or the term if shorter) when the original LTV is "
        "at or below 90%, otherwise for the mortgage term.",
    ),
    _p("fha_mip_limited_duration_months", "132", "months", "2013-06-03", _ML_2013_04),
    _p(
        "fha_min_down_payment_580",
        "0.035",
        "fraction",
        "2010-10-04",
        _ML_2010_29,
        "Decision score 580 or more: maximum financing (96.5% LTV, a 3.5% minimum "
        "investment). The 3.5% figure was checked in lender summaries of the rule; the "
        "statute text was not read here.",
    ),
    _p(
        "fha_min_down_payment_500",
        "0.10",
        "fraction",
        "2010-10-04",
        _ML_2010_29,
        "Decision score 500-579: LTV limited to 90%.",
    ),
    _p("fha_min_credit_score", "500", "score", "2010-10-04", _ML_2010_29, "Below 500: ineligible."),
    _p("fha_max_financing_min_score", "580", "score", "2010-10-04", _ML_2010_29),
    # --- Conventional --------------------------------------------------------------------
    _p(
        "conventional_mi_required_above_ltv",
        "0.80",
        "fraction",
        REVIEWED,
        "Fannie Mae and Freddie Mac charter acts (credit enhancement above 80% LTV); Fannie Mae "
        "Selling Guide",
        "Checked: Selling Guide B5-1-02 requires mortgage insurance above 80% LTV for "
        "high-balance loans; the charter text itself was not read here.",
        confirmed=False,
    ),
    _p(
        "pmi_cancel_request_ltv",
        "0.80",
        "fraction",
        "1999-07-29",
        _HPA,
        "The borrower may ask in writing to cancel PMI once the balance reaches 80% of the "
        "original value (scheduled, or by actual payments).",
    ),
    _p(
        "pmi_auto_termination_ltv",
        "0.78",
        "fraction",
        "1999-07-29",
        _HPA,
        "PMI ends automatically when the balance is first scheduled to reach 78% of the "
        "original value, if the borrower is current; extra payments do not advance it.",
    ),
    _p(
        "pmi_final_termination_term_fraction",
        "0.5",
        "fraction",
        "1999-07-29",
        _HPA,
        "Final termination: PMI may not be required past the midpoint of the amortization "
        "period if the borrower is current.",
    ),
    _p(
        "conventional_min_down_payment",
        "0.03",
        "fraction",
        "2015-11-01",
        _FANNIE_97,
        "97% LTV purchase financing (HomeReady, or standard with a first-time buyer). The "
        "as_of is the fact sheet version seen (November 2015); the program is current.",
    ),
    _p(
        "conforming_loan_limit_2026",
        "832750",
        "usd",
        "2026-01-01",
        _FHFA_2026,
        "Baseline one-unit limit for most of the US (2025: $806,500).",
    ),
    _p(
        "conforming_loan_limit_ceiling_2026",
        "1249125",
        "usd",
        "2026-01-01",
        _FHFA_2026,
        "One-unit ceiling in high-cost areas (150% of the baseline).",
    ),
    # --- Retirement and health savings (tax year 2026) --------------------------------------
    _p(
        "elective_deferral_limit_2026",
        "24500",
        "usd",
        "2026-01-01",
        _NOTICE_2025_67,
        "401(k), 403(b), governmental 457(b) and TSP employee deferrals (2025: $23,500).",
    ),
    _p(
        "catch_up_50_limit_2026",
        "8000",
        "usd",
        "2026-01-01",
        _NOTICE_2025_67,
        "Age 50 or over by the end of the year.",
    ),
    _p(
        "catch_up_60_63_limit_2026",
        "11250",
        "usd",
        "2026-01-01",
        _NOTICE_2025_67,
        "SECURE 2.0 higher catch-up for ages 60, 61, 62 and 63 (instead of the age-50 amount).",
    ),
    _p("catch_up_age", "50", "age", REVIEWED, "Internal Revenue Code 414(v)"),
    _p("super_catch_up_min_age", "60", "age", "2025-01-01", "SECURE 2.0 Act of 2022, section 109"),
    _p("super_catch_up_max_age", "63", "age", "2025-01-01", "SECURE 2.0 Act of 2022, section 109"),
    _p(
        "ira_limit_2026",
        "7500",
        "usd",
        "2026-01-01",
        _NOTICE_2025_67,
        "Traditional and Roth IRA contributions combined (2025: $7,000).",
    ),
    _p("ira_catch_up_2026", "1100", "usd", "2026-01-01", _NOTICE_2025_67, "Age 50 or over."),
    _p("hsa_limit_self_only_2026", "4400", "usd", "2026-01-01", _REV_PROC_2025_19),
    _p("hsa_limit_family_2026", "8750", "usd", "2026-01-01", _REV_PROC_2025_19),
    _p(
        "hsa_catch_up",
        "1000",
        "usd",
        REVIEWED,
        "Internal Revenue Code 223(b)(3)(B)",
        "Age 55 or over; a fixed statutory amount. Checked in secondary 2026 summaries only.",
    ),
    _p("hsa_catch_up_age", "55", "age", REVIEWED, "Internal Revenue Code 223(b)(3)(A)"),
    _p(
        "plan_loan_max",
        "50000",
        "usd",
        REVIEWED,
        "Internal Revenue Code 72(p)(2)(A); IRS, Retirement Topics - Loans",
        "Reduced by the highest outstanding loan balance in the 12 months before the new loan.",
    ),
    _p(
        "plan_loan_vested_fraction",
        "0.5",
        "fraction",
        REVIEWED,
        "Internal Revenue Code 72(p)(2)(A); IRS, Retirement Topics - Loans",
    ),
    _p(
        "plan_loan_small_balance_floor",
        "10000",
        "usd",
        REVIEWED,
        "Internal Revenue Code 72(p)(2)(A); IRS, Retirement Topics - Loans",
        "A plan may (but need not) lend up to $10,000 when half the vested balance is less.",
    ),
    _p(
        "early_distribution_age_months",
        "714",
        "months",
        REVIEWED,
        "Internal Revenue Code 72(t)(2)(A)(i)",
        "Age 59 1/2, in months: distributions made on or after the day the owner reaches it "
        "are not subject to the additional tax.",
    ),
    _p(
        "early_distribution_additional_tax",
        "0.10",
        "fraction",
        REVIEWED,
        "Internal Revenue Code 72(t)(1)",
        "On the taxable amount of a distribution before age 59 1/2, on top of income tax, "
        "unless an exception applies (25% for SIMPLE IRAs in the first two years).",
    ),
    _p(
        "plan_cash_distribution_withholding",
        "0.20",
        "fraction",
        REVIEWED,
        "Internal Revenue Code 3405(c); IRS Topic No. 413",
        "Withheld for federal income tax from an eligible rollover distribution that an "
        "employer plan (401(k), 403(b), governmental 457(b)) pays to you rather than by direct "
        "rollover; it counts toward the tax due, it is not the tax itself.",
    ),
    # --- Life events ---------------------------------------------------------------------
    _p(
        "dependent_care_fsa_limit_2026",
        "7500",
        "usd",
        "2026-01-01",
        "Internal Revenue Code 129(a)(2)(A) as amended by the One Big Beautiful Bill Act of 2025",
        "A household's dependent care FSA exclusion ($3,750 married filing separately); $5,000 "
        "through 2025; not adjusted for inflation.",
    ),
    _p(
        "fica_employee_rate",
        "0.0765",
        "fraction",
        REVIEWED,
        "Internal Revenue Code 3101(a) and (b)",
        "The employee's Social Security (6.2%, up to the wage base) and Medicare (1.45%) tax.",
    ),
    _p(
        "fdic_insured_limit",
        "250000",
        "usd",
        REVIEWED,
        "12 CFR 330.1(o) (standard maximum deposit insurance amount)",
        "Per depositor, per insured bank, per ownership category.",
    ),
    _p(
        "cobra_max_premium_share",
        "1.02",
        "multiple",
        REVIEWED,
        "29 U.S.C. 1162(3) (ERISA section 602(3)); 29 CFR 2590.606",
        "The most a plan may charge for COBRA: the full premium plus a 2% administration fee "
        "(150% during a disability extension).",
    ),
    # --- Federal student loans -----------------------------------------------------------
    _p(
        "standard_repayment_months",
        "120",
        "months",
        REVIEWED,
        "Higher Education Act 455(d)(1)(A) standard repayment plan",
        "The 10-year standard plan, for loans made before 2026-07-01.",
    ),
    _p(
        "tiered_standard_months_under_25000",
        "120",
        "months",
        "2026-07-01",
        _OBBBA,
        "Tiered standard plan for loans made on or after 2026-07-01, by total balance: under "
        "$25,000 10 years, under $50,000 15, under $100,000 20, otherwise 25. " + _RAP_CHECKED,
    ),
    _p("tiered_standard_months_under_50000", "180", "months", "2026-07-01", _OBBBA),
    _p("tiered_standard_months_under_100000", "240", "months", "2026-07-01", _OBBBA),
    _p("tiered_standard_months_100000_plus", "300", "months", "2026-07-01", _OBBBA),
    _p("rap_minimum_monthly_payment", "10", "usd", "2026-07-01", _RAP, _RAP_CHECKED),
    _p(
        "rap_low_income_annual_payment",
        "120",
        "usd",
        "2026-07-01",
        _RAP,
        "Annual base payment when AGI is $10,000 or less.",
    ),
    _p("rap_low_income_agi", "10000", "usd", "2026-07-01", _RAP),
    _p(
        "rap_dependent_reduction_monthly",
        "50",
        "usd",
        "2026-07-01",
        _RAP,
        "Monthly payment reduced by $50 for each dependent, never below the $10 minimum.",
    ),
    _p(
        "rap_forgiveness_payments",
        "360",
        "count",
        "2026-07-01",
        _RAP,
        "Remaining balance cancelled after 360 qualifying monthly payments (30 years).",
    ),
    _p(
        "ibr_new_borrower_share",
        "0.10",
        "fraction",
        "2014-07-01",
        _IBR,
        "Share of discretionary income for new borrowers, capped at the 10-year standard "
        "payment. P.L. 119-21 removed the partial financial hardship test (applied by ED from "
        "2025-12-22); borrowers with a loan made on or after 2026-07-01 cannot use IBR. "
        "Post-enactment summaries describe IBR as otherwise unchanged (the House bill's removal "
        "of the cap was not enacted); the cap was not checked against the amended statute.",
    ),
    _p("ibr_old_borrower_share", "0.15", "fraction", REVIEWED, _IBR),
    _p(
        "ibr_poverty_multiple",
        "1.5",
        "multiple",
        REVIEWED,
        _IBR,
        "Discretionary income = AGI minus 150% of the poverty guideline for the family size.",
    ),
    _p(
        "ibr_zero_payment_below",
        "5",
        "usd",
        REVIEWED,
        "34 CFR 682.215(b)(1)(iii)-(iv) and the Direct Loan counterpart",
        "A calculated payment under $5 is $0; from $5 to under $10 it is $10. Seen only in a "
        "garbled copy of the regulation text.",
        confirmed=False,
    ),
    _p(
        "ibr_minimum_nonzero_payment",
        "10",
        "usd",
        REVIEWED,
        "34 CFR 682.215(b)(1)(iv) and the Direct Loan counterpart",
        "See ibr_zero_payment_below: the $10 figure is the one the garbled copy lost.",
        confirmed=False,
    ),
    _p(
        "poverty_guideline_first_person_2026",
        "15960",
        "usd",
        "2026-01-13",
        _HHS_2026,
        "48 contiguous states and DC; a family of four is $33,000.",
    ),
    _p("poverty_guideline_additional_person_2026", "5680", "usd", "2026-01-13", _HHS_2026),
    _p(
        "pslf_qualifying_payments",
        "120",
        "count",
        REVIEWED,
        "Higher Education Act 455(m) (20 U.S.C. 1087e(m)), Public Service Loan Forgiveness",
    ),
    _p(
        "consolidation_rate_rounding",
        "0.125",
        "points",
        REVIEWED,
        "Higher Education Act 455(b), Direct Consolidation Loans; studentaid.gov",
        "Weighted average of the consolidated rates, rounded up to the next 1/8 of a percent.",
    ),
    # --- Taxes (tax year 2026) -----------------------------------------------------------
    _p(
        "student_loan_interest_deduction_cap",
        "2500",
        "usd",
        REVIEWED,
        "Internal Revenue Code 221(b)(1)",
        "Not indexed; phased out by MAGI.",
    ),
    _p(
        "mortgage_interest_acquisition_debt_limit",
        "750000",
        "usd",
        "2018-01-01",
        f"Internal Revenue Code 163(h)(3)(F), made permanent by {_OBBBA}",
        "$375,000 married filing separately; debt incurred before 2017-12-16 keeps $1,000,000.",
    ),
    _p(
        "standard_deduction_single_2026",
        "16100",
        "usd",
        "2026-01-01",
        _REV_PROC_2025_32,
        "Also married filing separately.",
    ),
    _p("standard_deduction_joint_2026", "32200", "usd", "2026-01-01", _REV_PROC_2025_32),
    _p(
        "standard_deduction_head_of_household_2026", "24150", "usd", "2026-01-01", _REV_PROC_2025_32
    ),
    _p(
        "salt_cap_2026",
        "40400",
        "usd",
        "2026-01-01",
        f"Internal Revenue Code 164(b) as amended by {_OBBBA}",
        "$20,200 married filing separately; 1% a year more through 2029, back to $10,000 in 2030.",
    ),
    _p(
        "salt_phase_down_threshold_2026",
        "505000",
        "usd",
        "2026-01-01",
        f"Internal Revenue Code 164(b) as amended by {_OBBBA}",
        "The cap falls by 30% of MAGI above this, but not below $10,000.",
    ),
    _p(
        "salt_phase_down_rate",
        "0.30",
        "fraction",
        "2025-01-01",
        f"Internal Revenue Code 164(b) as amended by {_OBBBA}",
    ),
    _p(
        "salt_cap_floor",
        "10000",
        "usd",
        "2025-01-01",
        f"Internal Revenue Code 164(b) as amended by {_OBBBA}",
    ),
)

PARAMETERS: dict[str, Parameter] = {p.key: p for p in _ALL}


@dataclass(frozen=True)
class FhaMipRow:
    """One row of the FHA annual MIP grid; LTV bounds are fractions of the appraised value."""

    term_over_15_years: bool
    base_loan_over_threshold: bool
    ltv_above: Decimal
    ltv_at_most: Decimal | None
    annual_rate: Decimal


def _mip(long: bool, high: bool, above: str, at_most: str | None, bps: int) -> FhaMipRow:
    bound = None if at_most is None else Decimal(at_most)
    return FhaMipRow(long, high, Decimal(above), bound, Decimal(bps) / 10_000)


FHA_ANNUAL_MIP_TABLE: tuple[FhaMipRow, ...] = (
    # term > 15 years
    _mip(True, False, "0", "0.95", 50),
    _mip(True, False, "0.95", None, 55),
    _mip(True, True, "0", "0.95", 70),
    _mip(True, True, "0.95", None, 75),
    # term <= 15 years
    _mip(False, False, "0", "0.90", 15),
    _mip(False, False, "0.90", None, 40),
    _mip(False, True, "0", "0.78", 15),
    _mip(False, True, "0.78", "0.90", 40),
    _mip(False, True, "0.90", None, 65),
)

RAP_AGI_BANDS: tuple[tuple[Decimal | None, Decimal], ...] = (
    # (AGI at most, share of the whole AGI); AGI of $10,000 or less pays the flat $120 a year.
    (Decimal(20_000), Decimal("0.01")),
    (Decimal(30_000), Decimal("0.02")),
    (Decimal(40_000), Decimal("0.03")),
    (Decimal(50_000), Decimal("0.04")),
    (Decimal(60_000), Decimal("0.05")),
    (Decimal(70_000), Decimal("0.06")),
    (Decimal(80_000), Decimal("0.07")),
    (Decimal(90_000), Decimal("0.08")),
    (Decimal(100_000), Decimal("0.09")),
    (None, Decimal("0.10")),
)

TABLE_SOURCES: dict[str, TableSource] = {
    "fha_annual_mip_table": TableSource(
        "fha_annual_mip_table",
        "2023-03-20",
        _ML_2023_05,
        "Rates in basis points: over 15 years 50/55 (base loan <= $726,200, LTV <= / > 95%), "
        "70/75 above it; 15 years or less 15/40 (LTV <= / > 90%), and 15/40/65 above "
        "$726,200 (LTV <= 78%, <= 90%, > 90%). Checked against a lender's side-by-side table "
        "of the letter.",
    ),
    "rap_agi_bands": TableSource(
        "rap_agi_bands",
        "2026-07-01",
        _RAP,
        "1% of the whole AGI above $10,000 up to $20,000, one point more for each further "
        "$10,000, 10% above $100,000. " + _RAP_CHECKED,
    ),
}


def value(key: str) -> Decimal:
    """The value of parameter ``key`` (``KeyError`` for an unknown key)."""
    return PARAMETERS[key].value


FHA_UPFRONT_MIP_RATE = value("fha_upfront_mip_rate")
FHA_ANNUAL_MIP_RATE = value("fha_annual_mip_rate_standard")
FHA_MIP_BASE_LOAN_THRESHOLD = value("fha_mip_base_loan_threshold")
CONVENTIONAL_MI_REQUIRED_ABOVE_LTV = value("conventional_mi_required_above_ltv")
PMI_CANCEL_REQUEST_LTV = value("pmi_cancel_request_ltv")
PMI_AUTO_TERMINATION_LTV = value("pmi_auto_termination_ltv")
CONFORMING_LOAN_LIMIT = value("conforming_loan_limit_2026")
