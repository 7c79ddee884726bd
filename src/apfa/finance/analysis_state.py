"""Mutable working state of :func:`apfa.finance.analysis.analyse` (internal)."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from apfa.finance.loans import AmortizationRow
from apfa.finance.models import Clean
from apfa.finance.money import cents, ratio4
from apfa.finance.rates import LoanType

HOUSING_TYPES: frozenset[str] = frozenset({"mortgage", "refinance"})


def usd(value: Decimal) -> str:
    return f"${cents(value) + 0:,.2f}"  # + 0: never "$-0.00"


@dataclass
class State:
    """Working values shared by the steps of ``analyse``."""

    p: Clean
    loan_type: LoanType | None = None
    metrics: dict[str, float | int | str] = field(default_factory=dict)
    assumptions: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    amount: Decimal | None = None
    schedule: list[AmortizationRow] = field(default_factory=list)
    new_payment: Decimal | None = None  # housing payment for mortgages, P&I otherwise
    ltv: Decimal | None = None
    gmi: Decimal | None = None
    dti_back: Decimal | None = None

    def money(self, key: str, value: Decimal) -> None:
        self.metrics[key] = float(cents(value))

    def ratio(self, key: str, value: Decimal) -> None:
        self.metrics[key] = float(ratio4(value))

    def assume(self, text: str) -> None:
        if text not in self.assumptions:
            self.assumptions.append(text)

    @property
    def housing(self) -> bool:
        return self.loan_type in HOUSING_TYPES
