"""The dated parameter table: every entry sourced and dated, the headline figures, the grids."""

from __future__ import annotations

import itertools
from datetime import date
from decimal import Decimal

import pytest

from apfa.finance import ratios
from apfa.finance.parameters import (
    FHA_ANNUAL_MIP_TABLE,
    PARAMETERS,
    RAP_AGI_BANDS,
    REVIEWED,
    TABLE_SOURCES,
    value,
)


def test_every_entry_is_sourced_dated_and_keyed_by_its_own_key() -> None:
    reviewed = date.fromisoformat(REVIEWED)
    for key, parameter in PARAMETERS.items():
        assert parameter.key == key
        assert len(parameter.source) > 10, key
        assert date.fromisoformat(parameter.as_of) <= reviewed, key
        assert parameter.value >= 0, key
    for key, table in TABLE_SOURCES.items():
        assert table.key == key
        assert date.fromisoformat(table.as_of) <= reviewed


def test_unconfirmed_entries_say_what_was_checked() -> None:
    unconfirmed = [p for p in PARAMETERS.values() if not p.confirmed]
    assert unconfirmed, "the review found values it could not confirm"
    assert all(p.note for p in unconfirmed)


def test_fractions_are_fractions_and_months_whole() -> None:
    for parameter in PARAMETERS.values():
        if parameter.unit == "fraction":
            assert parameter.value <= 1, parameter.key
        if parameter.unit in ("months", "count", "age", "score"):
            assert parameter.value == parameter.value.to_integral_value(), parameter.key


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("fha_upfront_mip_rate", "0.0175"),
        ("fha_annual_mip_rate_standard", "0.0055"),
        ("fha_mip_limited_duration_months", "132"),
        ("fha_min_down_payment_580", "0.035"),
        ("fha_min_down_payment_500", "0.10"),
        ("conventional_min_down_payment", "0.03"),
        ("pmi_cancel_request_ltv", "0.80"),
        ("pmi_auto_termination_ltv", "0.78"),
        ("conforming_loan_limit_2026", "832750"),
        ("elective_deferral_limit_2026", "24500"),
        ("catch_up_50_limit_2026", "8000"),
        ("catch_up_60_63_limit_2026", "11250"),
        ("ira_limit_2026", "7500"),
        ("ira_catch_up_2026", "1100"),
        ("hsa_limit_self_only_2026", "4400"),
        ("hsa_limit_family_2026", "8750"),
        ("plan_loan_max", "50000"),
        ("early_distribution_additional_tax", "0.10"),
        ("rap_minimum_monthly_payment", "10"),
        ("rap_dependent_reduction_monthly", "50"),
        ("rap_forgiveness_payments", "360"),
        ("pslf_qualifying_payments", "120"),
        ("student_loan_interest_deduction_cap", "2500"),
        ("mortgage_interest_acquisition_debt_limit", "750000"),
        ("standard_deduction_joint_2026", "32200"),
        ("salt_cap_2026", "40400"),
    ],
)
def test_headline_figures(key: str, expected: str) -> None:
    assert value(key) == Decimal(expected)


def test_figures_agree_with_the_totals_their_sources_print() -> None:
    # HHS prints $33,000 for a family of four and $55,720 for eight.
    first = value("poverty_guideline_first_person_2026")
    extra = value("poverty_guideline_additional_person_2026")
    assert first + 3 * extra == 33_000
    assert first + 7 * extra == 55_720
    # FHFA: the high-cost ceiling is 150% of the baseline.
    assert value("conforming_loan_limit_2026") * Decimal("1.5") == value(
        "conforming_loan_limit_ceiling_2026"
    )
    # Notice 2025-67 totals: $32,500 at 50+, $35,750 at 60-63.
    deferral = value("elective_deferral_limit_2026")
    assert deferral + value("catch_up_50_limit_2026") == 32_500
    assert deferral + value("catch_up_60_63_limit_2026") == 35_750


def test_ratios_keeps_its_old_names_with_the_table_values() -> None:
    assert value("fha_upfront_mip_rate") == ratios.FHA_UPFRONT_MIP_RATE
    assert value("fha_annual_mip_rate_standard") == ratios.FHA_ANNUAL_MIP_RATE
    assert Decimal("0.80") == ratios.PMI_FREE_LTV
    assert value("pmi_auto_termination_ltv") == ratios.PMI_AUTO_CANCEL_LTV


@pytest.mark.parametrize(("long", "high"), list(itertools.product([True, False], repeat=2)))
def test_fha_mip_grid_partitions_ltv_for_every_term_and_amount(long: bool, high: bool) -> None:
    rows = [
        r
        for r in FHA_ANNUAL_MIP_TABLE
        if r.term_over_15_years == long and r.base_loan_over_threshold == high
    ]
    assert rows[0].ltv_above == 0
    assert rows[-1].ltv_at_most is None
    for lower, upper in itertools.pairwise(rows):
        assert lower.ltv_at_most == upper.ltv_above
        assert upper.annual_rate > lower.annual_rate


def test_fha_mip_grid_values_from_the_letter() -> None:
    bps = sorted({int(r.annual_rate * 10_000) for r in FHA_ANNUAL_MIP_TABLE})
    assert bps == [15, 40, 50, 55, 65, 70, 75]


def test_rap_bands_rise_one_point_per_10000() -> None:
    bounds = [b for b, _ in RAP_AGI_BANDS]
    shares = [s for _, s in RAP_AGI_BANDS]
    assert bounds[-1] is None
    assert bounds[:-1] == [Decimal(20_000 + 10_000 * i) for i in range(9)]
    assert shares == [Decimal(i) / 100 for i in range(1, 11)]
