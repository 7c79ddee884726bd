"""Current figures and the rate table default rates come from: the latest stored figure
with its date and source, else the bundled table and its date, in the answer's words."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from apfa.core.config import Settings
from apfa.finance.rates import AS_OF, BUNDLED_TABLE, RATE_TABLE, lookup_rate, using
from apfa.market.answers import asked_series, current_figures_note
from apfa.market.current import current, rate_table, staleness
from apfa.market.service import Latest

TODAY = date(2026, 12, 3)
SETTINGS = Settings(_env_file=None)  # type: ignore[call-arg]


def stored(series_id: str, value: str, days_old: int, source: str = "fred") -> Latest:
    return Latest(
        series_id,
        Decimal(value),
        TODAY - timedelta(days=days_old),
        source,
        datetime(2026, 12, 3, 6, 30, tzinfo=UTC),
    )


def test_questions_about_current_figures_are_told_apart() -> None:
    assert asked_series("what are mortgage rates now?") == ["MORTGAGE30US", "MORTGAGE15US"]
    assert asked_series("What's the fed funds rate") == ["DFF"]
    assert asked_series("current 10 year treasury yield") == ["DGS10"]
    assert asked_series("what is the prime rate") == ["DPRIME"]
    assert asked_series("how high is inflation these days") == ["CPI_INFLATION_12M"]
    # Mortgage rates need "now", "today", "current"...: these ask about rates in general.
    assert asked_series("what is a good mortgage rate for a 700 score") == []
    assert asked_series("why are 15 year mortgage rates lower than 30 year") == []
    assert asked_series("where is sofr right now") == ["SOFR"]
    assert asked_series("my arm index is sofr plus 2.75, what will my rate be") == []


def test_a_stored_figure_is_given_with_its_date_and_source() -> None:
    latest = {"DFF": stored("DFF", "4.33", 2)}
    note = current_figures_note("what's the fed funds rate", latest, SETTINGS, TODAY)
    assert note == (
        "The federal funds effective rate was 4.33% on 2026-12-01 (Board of Governors of "
        "the Federal Reserve System; source: FRED (Federal Reserve Bank of St. Louis))."
    )


def test_a_stale_figure_says_how_old_it_is() -> None:
    latest = {"DFF": stored("DFF", "4.33", SETTINGS.market_max_age_days_daily + 1)}
    figure = current("DFF", latest, SETTINGS, TODAY)
    assert figure.stale is True
    note = current_figures_note("what's the fed funds rate", latest, SETTINGS, TODAY)
    assert note is not None
    assert "it is 11 days old, older than expected" in note


def test_without_stored_figures_the_answer_falls_back_to_the_bundled_table() -> None:
    note = current_figures_note("what are mortgage rates now", {}, SETTINGS, TODAY)
    assert note is not None
    low, high = min(RATE_TABLE["mortgage_30"].values()), max(RATE_TABLE["mortgage_30"].values())
    assert (
        "No current figure for the 30-year fixed mortgage average is stored, so this falls "
        f"back to the bundled APFA rate table ({AS_OF}): it assumes {low:.2f}% to {high:.2f}% "
        "for a 30-year mortgage by credit score"
    ) in note
    assert f"as of {AS_OF}" in note
    # The table has no fed funds rate, and says so rather than making one up.
    none = current_figures_note("what's the fed funds rate", {}, SETTINGS, TODAY)
    assert none is not None
    assert none.startswith("No current figure for the federal funds effective rate is stored")
    assert f"the bundled APFA rate table ({AS_OF}) has none for it" in none


def test_staleness_lists_every_series_stored_or_bundled() -> None:
    latest = {"DFF": stored("DFF", "4.33", 1), "UNRATE": stored("UNRATE", "4.1", 100)}
    rows = {row.info.id: row for row in staleness(latest, SETTINGS, TODAY)}
    assert rows["DFF"].stale is False
    assert rows["UNRATE"].stale is True  # monthly: older than 75 days
    assert rows["DGS10"].bundled is True
    assert rows["DGS10"].stale is False


def test_default_rates_follow_the_latest_mortgage_averages() -> None:
    assert rate_table({}) is BUNDLED_TABLE
    table = rate_table({"MORTGAGE30US": stored("MORTGAGE30US", "6.05", 3)})
    # The row moves by the average's difference from the bundled one, keeping tier spreads.
    shift = Decimal("6.05") - RATE_TABLE["mortgage_30"]["excellent"]
    assert table.rates["mortgage_30"]["good"] == RATE_TABLE["mortgage_30"]["good"] + shift
    assert table.rates["refinance"]["fair"] == RATE_TABLE["refinance"]["fair"] + shift
    assert table.rates["mortgage_15"] == RATE_TABLE["mortgage_15"]
    assert table.rates["auto_new"] == RATE_TABLE["auto_new"]
    with using(table):
        rate, text = lookup_rate("mortgage", 700)
    assert rate == RATE_TABLE["mortgage_30"]["good"] + shift
    moved = "moved to the latest Freddie Mac averages (30-year fixed mortgage average 6.05%"
    assert f"{moved} on 2026-11-30" in text
    # Outside the block the bundled table is back.
    assert lookup_rate("mortgage", 700)[0] == RATE_TABLE["mortgage_30"]["good"]
    assert f"from the APFA rate table ({AS_OF})" in lookup_rate("mortgage", 700)[1]
