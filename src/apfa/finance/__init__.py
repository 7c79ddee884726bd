"""Pure loan analytics for APFA: no I/O, no logging, ``Decimal`` inside.

Convention: calculators accept ``float | int | Decimal`` and return ``Decimal`` (money in cents
rounded half-up, ratios as 4-decimal fractions, rates in percent); ``analyse`` returns plain
floats for JSON. See :mod:`apfa.finance.money`.
"""

from apfa.finance.affordability import Affordability, BindingCap, max_affordable_loan
from apfa.finance.analysis import HOME_INSURANCE_RATE, PROPERTY_TAX_RATE, analyse
from apfa.finance.arm import (
    ArmAdjustment,
    arm_adjustment,
)
from apfa.finance.debt_options import (
    BalanceTransfer,
    Consolidation,
    balance_transfer,
    consolidation,
)
from apfa.finance.debt_payoff import (
    Debt,
    DebtOutcome,
    PayoffPlan,
    payoff_plan,
)
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
from apfa.finance.mortgage_compare import (
    FhaVsConventional,
    MortgageOption,
    fha_vs_conventional,
)
from apfa.finance.mortgage_insurance import (
    PmiRemoval,
    fha_annual_mip_rate,
    fha_average_balance,
    fha_mip_by_year,
    fha_mip_months,
    fha_monthly_mip,
    fha_monthly_mip_from_average,
    pmi_removal,
)
from apfa.finance.parameters import (
    FHA_ANNUAL_MIP_TABLE,
    PARAMETERS,
    RAP_AGI_BANDS,
    TABLE_SOURCES,
    FhaMipRow,
    Parameter,
    TableSource,
)
from apfa.finance.payday import (
    RolloverCost,
    payday_apr,
    rollover_cost,
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
from apfa.finance.revolving import (
    MAX_MONTHS,
    CardPayoff,
    RevolvingRun,
    card_payoff,
    carry_balance,
    payment_to_clear,
)
from apfa.finance.risk import RiskAssessment, RiskTier, assess_risk
from apfa.finance.terms import (
    PointsBreakEven,
    TermComparison,
    TermOption,
    balance_after,
    points_break_even,
    term_comparison,
)

__all__ = [
    "AS_OF",
    "DEFAULT_TERM_YEARS",
    "DTI",
    "FHA_ANNUAL_MIP_RATE",
    "FHA_ANNUAL_MIP_TABLE",
    "FHA_UPFRONT_MIP_RATE",
    "HOME_INSURANCE_RATE",
    "LOAN_TYPES",
    "MAX_MONTHS",
    "PARAMETERS",
    "PMI_ANNUAL_RATE_PCT",
    "PROPERTY_TAX_RATE",
    "RAP_AGI_BANDS",
    "RATE_TABLE",
    "SOURCES",
    "TABLE_SOURCES",
    "Affordability",
    "AmortizationRow",
    "ArmAdjustment",
    "BalanceTransfer",
    "BindingCap",
    "CardPayoff",
    "Consolidation",
    "CreditTier",
    "Debt",
    "DebtOutcome",
    "ExtraPaymentEffect",
    "FhaMipRow",
    "FhaVsConventional",
    "LoanAnalysis",
    "LoanProfile",
    "LoanType",
    "MortgageOption",
    "Number",
    "Parameter",
    "PayoffPlan",
    "PmiRemoval",
    "PointsBreakEven",
    "RateProduct",
    "RefinanceResult",
    "RevolvingRun",
    "RiskAssessment",
    "RiskTier",
    "RolloverCost",
    "TableSource",
    "TermComparison",
    "TermOption",
    "YearSummary",
    "YearlyRow",
    "amortization_schedule",
    "analyse",
    "apr_with_fees",
    "arm_adjustment",
    "assess_risk",
    "balance_after",
    "balance_transfer",
    "card_payoff",
    "carry_balance",
    "consolidation",
    "credit_tier",
    "dti",
    "extra_payment_effect",
    "fha_annual_mip_monthly",
    "fha_annual_mip_rate",
    "fha_average_balance",
    "fha_mip_by_year",
    "fha_mip_months",
    "fha_monthly_mip",
    "fha_monthly_mip_from_average",
    "fha_upfront_mip",
    "fha_vs_conventional",
    "lookup_rate",
    "ltv",
    "max_affordable_loan",
    "monthly_payment",
    "payday_apr",
    "payment_to_clear",
    "payoff_plan",
    "pmi_annual_rate_pct",
    "pmi_monthly_estimate",
    "pmi_removal",
    "points_break_even",
    "rate_product",
    "refinance_break_even",
    "rollover_cost",
    "term_comparison",
    "total_interest",
    "yearly_summary",
]
