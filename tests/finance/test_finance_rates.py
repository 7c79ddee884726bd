"""Rate table tests: tiers, plausibility bands, lookups and assumption strings."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apfa.finance import (
    AS_OF,
    DEFAULT_TERM_YEARS,
    LOAN_TYPES,
    RATE_TABLE,
    SOURCES,
    credit_tier,
    lookup_rate,
    rate_product,
)


@pytest.mark.parametrize(
    ("score", "tier"),
    [
        (850, "excellent"),
        (760, "excellent"),
        (759, "very_good"),
        (720, "very_good"),
        (719, "good"),
        (680, "good"),
        (679, "fair"),
        (640, "fair"),
        (639, "poor"),
        (580, "poor"),
        (579, "very_poor"),
        (300, "very_poor"),
    ],
)
def test_credit_tier_boundaries(score: int, tier: str) -> None:
    assert credit_tier(score) == tier


def test_rates_rise_as_credit_worsens() -> None:
    for product, row in RATE_TABLE.items():
        values = list(row.values())  # excellent ... very_poor
        assert values == sorted(values), product
        if product != "student":
            assert values[-1] > values[0], product


@pytest.mark.parametrize(
    ("product", "low", "high"),
    [
        ("mortgage_30", "6.0", "9.0"),
        ("mortgage_15", "5.0", "8.5"),
        ("refinance", "6.0", "9.5"),
        ("heloc", "7.0", "13.0"),
        ("auto_new", "5.0", "16.0"),
        ("auto_used", "6.5", "22.0"),
        ("personal", "11.0", "36.0"),
        ("student", "6.39", "6.39"),
    ],
)
def test_rates_are_plausible_for_the_market(product: str, low: str, high: str) -> None:
    values = RATE_TABLE[product].values()  # type: ignore[index]
    assert all(Decimal(low) <= v <= Decimal(high) for v in values)


def test_headline_rates() -> None:
    assert Decimal("6.2") <= RATE_TABLE["mortgage_30"]["excellent"] <= Decimal("6.4")
    assert set(RATE_TABLE["student"].values()) == {Decimal("6.39")}
    assert RATE_TABLE["auto_used"]["good"] > RATE_TABLE["auto_new"]["good"]


def test_every_product_has_a_source_and_every_loan_type_a_term() -> None:
    assert set(SOURCES) == set(RATE_TABLE)
    assert set(DEFAULT_TERM_YEARS) == set(LOAN_TYPES)
    assert DEFAULT_TERM_YEARS["mortgage"] == 30
    assert DEFAULT_TERM_YEARS["auto"] == 5
    assert DEFAULT_TERM_YEARS["personal"] == 3
    assert DEFAULT_TERM_YEARS["student"] == 10


def test_rate_product_mapping() -> None:
    assert rate_product("mortgage") == "mortgage_30"
    assert rate_product("mortgage", 30) == "mortgage_30"
    assert rate_product("mortgage", 15) == "mortgage_15"
    assert rate_product("auto") == "auto_new"
    assert rate_product("auto", used=True) == "auto_used"
    assert rate_product("heloc") == "heloc"


def test_lookup_rate_with_score() -> None:
    rate, text = lookup_rate("mortgage", 720)
    assert rate == RATE_TABLE["mortgage_30"]["very_good"]
    assert text == (
        f"interest rate assumed {rate:.2f}% from the APFA rate table ({AS_OF}) for a 30-year "
        "mortgage with a credit score of 720 (very good, 720-759)"
    )


def test_lookup_rate_without_score_uses_the_good_tier_and_says_so() -> None:
    rate, text = lookup_rate("personal", None)
    assert rate == RATE_TABLE["personal"]["good"]
    assert "no credit score given" in text
    assert "good, 680-719" in text


def test_lookup_rate_15_year_and_student() -> None:
    assert lookup_rate("mortgage", 800, 15)[0] == RATE_TABLE["mortgage_15"]["excellent"]
    rate, text = lookup_rate("student", 550)
    assert rate == Decimal("6.39")
    assert "do not depend on credit" in text
