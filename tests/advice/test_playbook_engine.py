"""The playbook engine: the condition language, the load-time checks, and that every
intent of the catalogue has a playbook naming calculators and sources that exist."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apfa.advice.advisor import Advisor
from apfa.advice.calculators import REGISTRY
from apfa.advice.facts import FACTS
from apfa.advice.playbooks.conditions import QUESTION, Condition, ConditionError
from apfa.advice.playbooks.library import (
    PlaybookError,
    check,
    corpus_documents,
    load_playbooks,
    shared_rules,
    with_shared_rules,
)
from apfa.advice.playbooks.schema import Playbook
from apfa.advice.understanding.catalogue import load_entries

VALUES = {"ltv": Decimal("85.5"), "loan_type": "student", "apr": Decimal("24.99"), "rates": []}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("ltv > 80", True),
        ("ltv >= 85.5 and apr < 25", True),
        ("ltv < 80 or apr > 20", True),
        ("not (ltv < 80 or apr > 30)", True),
        ('loan_type == "student"', True),
        ('loan_type != "auto"', True),
        ("known(apr) and unknown(dti_back)", True),
        ("dti_back > 43", False),  # reads an unknown value: false
        ("not dti_back > 43", True),
        ("ltv > apr", True),
        ("apr > ltv", False),
        ('ltv == "student"', False),  # a number is never equal to a word
    ],
)
def test_conditions(text: str, expected: bool) -> None:
    assert Condition(text).holds(VALUES) is expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "ltv >",
        "ltv > > 3",
        "(ltv > 3",
        "known(ltv",
        "ltv > 3 and",
        "__import__('os')",
        "ltv = 3",
    ],
)
def test_malformed_conditions_are_refused(text: str) -> None:
    with pytest.raises(ConditionError):
        Condition(text)


def test_asked_tests_the_question_for_whole_phrases() -> None:
    asked = Condition('asked("first payment", "first year") and known(apr)')
    assert asked.holds({**VALUES, QUESTION: "How much of my First  Payment is interest?"})
    assert not asked.holds({**VALUES, QUESTION: "my first payments were late"})
    assert not asked.holds(VALUES)  # no question: nothing was asked
    for bad in ("asked()", "asked(apr)", 'asked("a" "b")', 'asked("")'):
        with pytest.raises(ConditionError):
            Condition(bad)


def test_conditions_report_the_names_they_read() -> None:
    assert Condition("ltv > 80 and known(pmi_monthly) or apr > fee_pct").names == {
        "ltv",
        "pmi_monthly",
        "apr",
        "fee_pct",
    }


def test_every_intent_has_a_checked_playbook() -> None:
    intents = [entry.intent for entry in load_entries()]
    playbooks = load_playbooks(intents)
    assert sorted(playbooks) == sorted(intents)
    documents = corpus_documents()
    for compiled in playbooks.values():
        book = compiled.playbook
        assert set(book.calculators) <= set(REGISTRY)
        assert {r.source for r in book.rules if r.source} <= documents
        assert any(rule.lead for rule in book.rules), book.intent
        assert book.definition.strip()


def test_intent_signals_name_facts_that_exist() -> None:
    signals = [set(signal) for entry in load_entries() for signal in entry.signals]
    assert signals
    for signal in signals:
        assert signal <= set(FACTS), signal - set(FACTS)


def _playbook(**changes: object) -> Playbook:
    raw: dict[str, object] = {
        "intent": "pmi",
        "title": "t",
        "definition": "d",
        "calculators": ["pmi"],
        "rules": [{"id": "r1", "lead": True, "says": "PMI is {pmi_monthly} a month."}],
    }
    raw.update(changes)
    return Playbook.model_validate(raw)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"intent": "nonsense"}, "no intent of that name"),
        ({"calculators": ["pmi", "crystal_ball"]}, "unknown calculators"),
        (
            {"rules": [{"id": "r1", "says": "Costs {made_up_figure}."}]},
            "unknown placeholder",
        ),
        (
            {"rules": [{"id": "r1", "says": "x", "source": "not-a-document"}]},
            "unknown knowledge-base documents",
        ),
        (
            {"rules": [{"id": "r1", "says": "x", "when": "made_up > 3"}]},
            "unknown fact or figure",
        ),
        (
            {"rules": [{"id": "r1", "says": "x", "general": "also {annual_income}"}]},
            "must not use placeholders",
        ),
    ],
)
def test_a_playbook_that_does_not_fit_the_engine_is_refused(
    changes: dict[str, object], message: str
) -> None:
    with pytest.raises(PlaybookError, match=message):
        check(_playbook(**changes), ["pmi"], corpus_documents())


def test_a_rule_with_a_malformed_condition_fails_validation() -> None:
    with pytest.raises(ValueError, match=r"cannot read|unexpected|ends too early"):
        _playbook(rules=[{"id": "r1", "says": "x", "when": "ltv >"}])


def test_a_figure_beyond_any_real_range_skips_its_calculation_not_the_answer() -> None:
    intents = [entry.intent for entry in load_entries()]
    plans = [load_playbooks(intents)["affordability"]]
    facts = {"annual_income": Decimal("6.8e19"), "monthly_debt_payments": Decimal(500)}
    values, computed, _, _ = Advisor.compute(plans, facts)
    assert values["annual_income"] == Decimal("6.8e19")
    assert "max_affordable_loan" not in computed
    _, figures, _, _ = Advisor.compute(plans, {**facts, "annual_income": Decimal(90000)})
    assert "max_affordable_loan" in figures


def test_a_shared_rule_is_written_once_and_used_where_named() -> None:
    shared = shared_rules()
    intents = [entry.intent for entry in load_entries()]
    loaded = load_playbooks(intents)
    users = {
        intent: [r for r in plan.playbook.rules if r.id in shared]
        for intent, plan in loaded.items()
    }
    # every shared rule is used by at least two playbooks, with its own text
    for name, rule in shared.items():
        using = [rules for rules in users.values() if any(r.id == name for r in rules)]
        assert len(using) >= 2, name
        for rules in using:
            used = next(r for r in rules if r.id == name)
            assert used.says == rule["says"]
    # a playbook may lead with it where another does not
    leads = {r.lead for rules in users.values() for r in rules if r.id == "extra-payment-effect"}
    assert leads == {True, False}


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"use": "no-such-rule"}, "no shared rule"),
        ({"use": "early-withdrawal", "says": "other words"}, "only lead and when"),
    ],
)
def test_a_wrong_use_of_a_shared_rule_fails_the_load(item: dict[str, str], reason: str) -> None:
    raw = {"intent": "taxes", "rules": [item]}
    with pytest.raises(PlaybookError, match=reason):
        with_shared_rules(raw, shared_rules())


def test_stating_a_signals_facts_raises_that_intents_score() -> None:
    from apfa.advice.playbooks.schema import IntentEntry
    from apfa.advice.understanding.catalogue import SIGNAL_BONUS, IntentCatalogue
    from apfa.providers.embeddings import HashingEmbedder

    model = HashingEmbedder(dim=64)
    entries = [
        IntentEntry(
            intent=name,
            title=name,
            description=name,
            examples=[f"{name} example {i}" for i in range(5)],
            signals=signals,
        )
        for name, signals in (("refinance", [["new_rate", "closing_costs"]]), ("payment", []))
    ]
    catalogue = IntentCatalogue.build(model, entries)
    vector = model.encode(["how long to break even"])[0]

    def score(facts: set[str]) -> dict[str, float]:
        return {s.intent: s.score for s in catalogue.scores(vector, "q", facts)}

    plain, stated = score(set()), score({"new_rate", "closing_costs", "loan_amount"})
    assert stated["refinance"] == pytest.approx(plain["refinance"] + SIGNAL_BONUS)
    assert stated["payment"] == pytest.approx(plain["payment"])
    assert score({"new_rate"})["refinance"] == pytest.approx(plain["refinance"])


def test_the_same_table_from_two_calculators_is_shown_once() -> None:
    """A payment question and a term comparison both set out "30 years at 7% or 15 at
    6.25%" (``stated_terms`` and ``term_comparison``): one table, not two."""
    intents = [entry.intent for entry in load_entries()]
    playbooks = load_playbooks(intents)
    plans = [playbooks["term_15_vs_30"], playbooks["payment"]]
    facts = {
        "loan_amount": Decimal(300000),
        "rates": [Decimal(7), Decimal("6.25")],
        "interest_rate": Decimal(7),
        "terms_months": [360, 180],
        "term_months": 360,
    }
    _, _, tables, _ = Advisor.compute(plans, facts)
    assert tables
    assert len(tables) == len({(t.title, str(t.rows)) for t in tables})
