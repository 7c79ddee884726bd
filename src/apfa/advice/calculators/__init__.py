"""The advisor's calculators: each turns the person's facts into named figures and option
tables with ``apfa.finance``. Importing the package registers all of them."""

from apfa.advice.calculators import (
    affordability,
    auto,
    debts,
    household,
    housing,
    investing,
    life_events,
    loans,
    mortgage_rates,
    payday,
    student,
    taxes,
)
from apfa.advice.calculators.base import REGISTRY, Calculator, figure_kinds

__all__ = [
    "REGISTRY",
    "Calculator",
    "affordability",
    "auto",
    "debts",
    "figure_kinds",
    "household",
    "housing",
    "investing",
    "life_events",
    "loans",
    "mortgage_rates",
    "payday",
    "student",
    "taxes",
]
