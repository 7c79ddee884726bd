"""Pure loan analytics for APFA: no I/O, no logging, ``Decimal`` inside.

Convention: calculators accept ``float | int | Decimal`` and return ``Decimal`` (money in cents
rounded half-up, ratios as 4-decimal fractions, rates in percent); ``analyse`` returns plain
floats for JSON. See :mod:`apfa.finance.money`.
"""

from apfa.finance.affordability import Affordability, BindingCap, max_affordable_loan
from apfa.finance.analysis import HOME_INSURANCE_RATE, PROPERTY_TAX_RATE, analyse
from apfa.finance.loans import (
    AmortizationRow,
    ExtraPaymentEffect,
    YearSummary,
    amortization_schedule,
    apr_with_fees,
    extra_payment_effect,
    monthly_payment,
    total_interest,
    yearly_summary,
)
from apfa.finance.models import LoanAnalysis, LoanProfile, YearlyRow
from apfa.finance.money import Number
from apfa.finance.parameters import (
    FHA_ANNUAL_MIP_TABLE,
    PARAMETERS,
    RAP_AGI_BANDS,
    TABLE_SOURCES,
    FhaMipRow,
    Parameter,
    TableSource,
)
from apfa.finance.rates import (
    AS_OF,
    DEFAULT_TERM_YEARS,
    LOAN_TYPES,
    RATE_TABLE,
    SOURCES,
    CreditTier,
    LoanType,
    RateProduct,
    credit_tier,
    lookup_rate,
    rate_product,
)
from apfa.finance.ratios import (
    DTI,
    FHA_ANNUAL_MIP_RATE,
    FHA_UPFRONT_MIP_RATE,
    PMI_ANNUAL_RATE_PCT,
    dti,
    fha_annual_mip_monthly,
    fha_upfront_mip,
    ltv,
    pmi_annual_rate_pct,
    pmi_monthly_estimate,
)
from apfa.finance.refinance import RefinanceResult, refinance_break_even
from apfa.finance.risk import RiskAssessment, RiskTier, assess_risk

__all__ = [
    "AS_OF",
    "DEFAULT_TERM_YEARS",
    "DTI",
    "FHA_ANNUAL_MIP_RATE",
    "FHA_ANNUAL_MIP_TABLE",
    "FHA_UPFRONT_MIP_RATE",
    "HOME_INSURANCE_RATE",
    "LOAN_TYPES",
    "PARAMETERS",
    "PMI_ANNUAL_RATE_PCT",
    "PROPERTY_TAX_RATE",
    "RAP_AGI_BANDS",
    "RATE_TABLE",
    "SOURCES",
    "TABLE_SOURCES",
    "Affordability",
    "AmortizationRow",
    "BindingCap",
    "CreditTier",
    "ExtraPaymentEffect",
    "FhaMipRow",
    "LoanAnalysis",
    "LoanProfile",
    "LoanType",
    "Number",
    "Parameter",
    "RateProduct",
    "RefinanceResult",
    "RiskAssessment",
    "RiskTier",
    "TableSource",
    "YearSummary",
    "YearlyRow",
    "amortization_schedule",
    "analyse",
    "apr_with_fees",
    "assess_risk",
    "credit_tier",
    "dti",
    "extra_payment_effect",
    "fha_annual_mip_monthly",
    "fha_upfront_mip",
    "lookup_rate",
    "ltv",
    "max_affordable_loan",
    "monthly_payment",
    "pmi_annual_rate_pct",
    "pmi_monthly_estimate",
    "rate_product",
    "refinance_break_even",
    "total_interest",
    "yearly_summary",
]
