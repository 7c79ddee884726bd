"""Turns of a conversation read against the thread: facts accumulate and are corrected,
a fact replaces the other members of its family, a new topic keeps only the facts about
the person, a follow-up keeps the thread's intents, and a follow-up that points at
nothing asks instead of guessing."""

from __future__ import annotations

from decimal import Decimal

from apfa.advice.calculators.base import FigureKind
from apfa.advice.compose.changes import change_line, earlier_figures, figure_keys
from apfa.advice.flows import loan_profile
from apfa.advice.followup import (
    Thread,
    choose_intents,
    is_follow_up,
    merge,
    same_topic,
    unresolved,
    what_if,
)


def test_a_correction_replaces_the_fact() -> None:
    known = {"annual_income": Decimal(85000), "credit_score": 700}
    assert merge(known, {"annual_income": Decimal(95000)}) == {
        "annual_income": Decimal(95000),
        "credit_score": 700,
    }


def test_a_fact_replaces_the_members_of_its_family() -> None:
    known = {"down_payment": Decimal(40000), "home_price": Decimal(400000)}
    merged = merge(known, {"down_payment_pct": Decimal(20)})
    assert merged == {"down_payment_pct": Decimal(20), "home_price": Decimal(400000)}
    terms = merge({"term_months": 360, "terms_months": [360]}, {"term_months": 180})
    assert terms == {"term_months": 180}


def test_a_new_topic_keeps_only_the_facts_about_the_person() -> None:
    known = {"annual_income": Decimal(85000), "loan_amount": Decimal(300000), "term_months": 360}
    merged = merge(known, {"card_balance": Decimal(5000)}, same_topic=False)
    assert merged == {"annual_income": Decimal(85000), "card_balance": Decimal(5000)}


def test_follow_ups_keep_the_thread_intents_unless_the_new_question_clearly_differs() -> None:
    thread = Thread({"loan_amount": Decimal(300000)}, ["payment"], turns=1)
    mine = [("term_15_vs_30", 0.5)]
    scores = {"payment": 0.48, "term_15_vs_30": 0.5}
    assert is_follow_up("and for 15 years?", {"term_months": 180})
    assert choose_intents(thread, "and for 15 years?", {"term_months": 180}, mine, scores) == [
        "payment"
    ]
    far = {"payment": 0.2, "scams": 0.7}
    said = "what if i got a call saying my loan was approved but i must pay a fee first"
    assert choose_intents(thread, said, {}, [("scams", 0.7)], far) == ["scams"]
    fresh = "how do credit freezes work and do they hurt my score"
    assert choose_intents(thread, fresh, {}, [("credit_report", 0.7)], far) == ["credit_report"]
    # a "what if" carries on: its own intent needs the clearer lead a pointed message needs
    near = {"payment": 0.5, "auto_loan": 0.6}
    said = "what if i pay off the car before i apply"
    assert choose_intents(thread, said, {}, [("auto_loan", 0.6)], near) == ["payment"]


def test_a_follow_up_that_points_at_nothing_is_unresolved() -> None:
    assert unresolved("what about that one?", Thread(), {})
    assert unresolved("what if I did that instead", Thread(), {})
    assert not unresolved("what if I put 20% down", Thread(), {"down_payment_pct": Decimal(20)})
    assert not unresolved("what about that?", Thread({}, ["payment"], 1), {})
    assert not unresolved("how do I raise my credit score", Thread(), {})


def test_a_turn_stays_on_topic_when_its_intents_share_the_threads_topic() -> None:
    assert same_topic(["home"], ["home", None], "and if i only put 10% down?")
    assert same_topic(["home"], [None], "what's the payment on that?")
    assert same_topic([None], ["car"], "how much car can i afford")
    assert not same_topic(["home"], ["debt"], "how do i pay off my credit cards fastest")
    assert same_topic(["home"], ["debt"], "what if I used it to pay off the cards instead")


def test_pointing_back_at_the_thread_makes_a_follow_up() -> None:
    assert is_follow_up("when can i get rid of it? i bought at 380k with 10% down", {})
    assert is_follow_up("how much interest does that save me vs paying it for 30 years", {})
    assert not is_follow_up("how do credit freezes work and do they hurt my score", {})
    assert is_follow_up("they also have 7 years at 5.9%, what would that look like", {})


def test_a_what_if_rate_changes_the_option_not_the_loan_one_has() -> None:
    known = {"interest_rate": Decimal("6.9"), "new_rate": Decimal("5.6"), "rates": [Decimal("6.9")]}
    turn = what_if(known, {"interest_rate": Decimal("5.9"), "rates": [Decimal("5.9")]})
    assert turn == {"new_rate": Decimal("5.9")}
    merged = merge(known, turn)
    assert merged["interest_rate"] == Decimal("6.9")
    assert merged["new_rate"] == Decimal("5.9")
    assert what_if({}, {"interest_rate": Decimal(6)}) == {"interest_rate": Decimal(6)}


def test_a_follow_up_naming_another_kind_of_loan_is_a_new_topic() -> None:
    said = "what if I put 20% down instead?"
    assert same_topic(["home"], ["home"], said, ("mortgage", None))
    car = "what about a $25,000 car loan instead?"
    assert not same_topic(["home"], ["car"], car, ("mortgage", "auto"))
    assert not same_topic(["home"], [None], car, ("mortgage", "auto"))
    fresh = "how do I pay off my credit card with a $5,000 balance at 24% apr?"
    assert not same_topic(["home"], ["debt"], fresh, ("mortgage", None))
    assert same_topic([], ["debt"], fresh)


def test_a_percent_down_from_a_later_turn_is_applied_to_the_known_price() -> None:
    facts: dict[str, object] = {"home_price": Decimal(400000), "down_payment_pct": Decimal(20)}
    profile, notes = loan_profile(facts, {})
    assert profile["down_payment"] == 80000.0
    assert "down payment of $80,000.00: 20% of the home price of $400,000.00" in notes
    stated, _ = loan_profile({**facts, "down_payment": Decimal(50000)}, {})
    assert stated["down_payment"] == 50000.0
    assert "down_payment" not in loan_profile({"down_payment_pct": Decimal(20)}, {})[0]


def test_a_message_that_fits_no_intent_carries_on_the_thread() -> None:
    thread = Thread({"missed_payments": 3}, ["hardship"], turns=1)
    said = "there's no way i can come up with that all at once"
    scores = {"other": 0.3, "hardship": 0.25}
    assert choose_intents(thread, said, {}, [("other", 0.3)], scores) == ["hardship"]
    assert choose_intents(Thread(), said, {}, [("other", 0.3)], scores) == ["other"]


def test_a_message_pointing_back_needs_a_clearer_lead_to_leave_the_thread() -> None:
    thread = Thread({"loan_amount": Decimal(342000)}, ["pmi"], turns=1)
    said = "when can i get rid of it? i bought at 380k with 10% down"
    facts = {"home_price": Decimal(380000)}
    near = {"pmi": 0.43, "payment": 0.55}
    assert choose_intents(thread, said, facts, [("payment", 0.55)], near) == ["pmi"]
    far = {"pmi": 0.3, "payment": 0.55}
    assert choose_intents(thread, said, facts, [("payment", 0.55)], far) == ["payment"]


def test_another_term_at_its_own_rate_is_set_against_the_longest_term_weighed() -> None:
    """ "30yr is at 7%, 15yr at 6.25" then "what about a 20 year at 6.5%?": 20 years at
    6.5% against 30 at 7%; the 6.5% is that option's rate, not a refinance's new rate."""
    known = {
        "loan_amount": Decimal(300000),
        "rates": [Decimal(7), Decimal("6.25")],
        "interest_rate": Decimal(7),
        "terms_months": [360, 180],
        "term_months": 360,
    }
    stated = {
        "interest_rate": Decimal("6.5"),
        "rates": [Decimal("6.5")],
        "terms_months": [240],
        "term_months": 240,
    }
    merged = merge(known, what_if(known, stated))
    assert merged["terms_months"] == [360, 240]
    assert merged["rates"] == [Decimal(7), Decimal("6.5")]
    assert "new_rate" not in merged
    refinancing = {**known, "new_rate": Decimal("6.25")}
    assert "new_rate" in what_if(refinancing, stated)  # a refinance keeps the loan one has


def test_a_what_if_turn_puts_its_figures_against_the_last_answers() -> None:
    said = ["auto_loan:rule:x", *figure_keys({"monthly_payment": Decimal("489.56")})]
    said += figure_keys({"monthly_payment": Decimal("489.56"), "total_interest": Decimal(7248)})
    earlier = earlier_figures(said)
    assert earlier == {"monthly_payment": "489.56", "total_interest": "7248"}
    now = {"monthly_payment": Decimal("566.40"), "total_interest": Decimal("5983.96")}
    kinds: dict[str, FigureKind] = {"monthly_payment": "money", "total_interest": "money"}
    line = change_line(now, earlier, kinds)
    assert line == (
        "Against the last answer, the payment is $76.84 higher ($566.40 instead of $489.56)"
        " and the interest is $1,264.04 lower ($5,983.96 instead of $7,248): a higher monthly"
        " payment for less interest overall, worth it if you can afford the higher payment every"
        " month."
    )
    assert change_line(now, earlier_figures(figure_keys(now)), kinds) is None
    assert change_line(now, {}, kinds) is None


def test_paying_down_a_card_lowers_that_cards_balance() -> None:
    cards = [
        {"balance": Decimal(1200), "limit": Decimal(3000)},
        {"balance": Decimal(2500), "limit": Decimal(5000)},
    ]
    turn = what_if(
        {"card_limits": cards},
        {"card_paydown": Decimal(1000), "paid_card_limit": Decimal(3000)},
    )
    assert turn == {
        "card_limits": [
            {"balance": Decimal(200), "limit": Decimal(3000)},
            {"balance": Decimal(2500), "limit": Decimal(5000)},
        ]
    }
    unnamed = what_if({"card_limits": cards}, {"card_paydown": Decimal(3000)})
    assert [card["balance"] for card in unnamed["card_limits"]] == [1200, 0]  # type: ignore[index]
    assert what_if({"card_balance": Decimal(4000)}, {"card_paydown": Decimal(500)}) == {
        "card_balance": Decimal(3500)
    }
    assert cards[0]["balance"] == 1200  # the thread's facts are not changed in place


def test_a_changed_amount_replaces_the_monthly_figure_the_thread_knows() -> None:
    assert what_if({"payment_budget": Decimal(150)}, {"changed_amount": Decimal(300)}) == {
        "payment_budget": Decimal(300)
    }
    saving = what_if({"monthly_savings": Decimal(200)}, {"changed_amount": Decimal(400)})
    assert saving == {"monthly_savings": Decimal(400)}
    assert what_if({}, {"changed_amount": Decimal(300)}) == {"payment_budget": Decimal(300)}


def test_a_bare_percent_replaces_the_down_payment_or_the_rate_it_is_nearer_to() -> None:
    known = {"down_payment_pct": Decimal(10), "interest_rate": Decimal("6.5")}
    assert what_if(known, {"rates": [Decimal(20)]}) == {"down_payment_pct": Decimal(20)}
    both = {"rates": [Decimal(20)], "interest_rate": Decimal(20)}
    assert what_if(known, both) == {"down_payment_pct": Decimal(20)}
    assert what_if(known, {"rates": [Decimal(6)]}) == {"rates": [Decimal(6)]}
    assert what_if({"interest_rate": Decimal("6.5")}, {"rates": [Decimal(20)]}) == {
        "rates": [Decimal(20)]
    }


def test_a_what_if_on_a_card_payoff_says_how_much_sooner_and_how_much_less_interest() -> None:
    before = {"payoff_months": 41, "payoff_interest": Decimal("1865.00")}
    now = {"payoff_months": 17, "payoff_interest": Decimal("733.70")}
    kinds: dict[str, FigureKind] = {"payoff_months": "months", "payoff_interest": "money"}
    line = change_line(now, earlier_figures(figure_keys(before)), kinds)
    assert line is not None
    assert "the interest is $1,131.30 lower ($733.70 instead of $1,865)" in line
    assert "the time to pay off is 24 months (2 years) shorter" in line


def test_another_offer_in_a_thread_weighing_two_rates_is_a_new_offer() -> None:
    known = {
        "interest_rate": Decimal("9.2"),
        "rates": [Decimal("9.2"), Decimal("6.4")],
        "loan_amount": Decimal(42000),
        "remaining_months": 120,
    }
    turn = what_if(known, {"interest_rate": Decimal("5.9"), "rates": [Decimal("5.9")]})
    assert turn == {"new_rate": Decimal("5.9")}
    assert merge(known, turn)["interest_rate"] == Decimal("9.2")


def test_a_term_the_thread_weighs_restates_an_option() -> None:
    known = {"loan_amount": Decimal(240000), "term_months": 360, "terms_months": [360, 180]}
    assert what_if(known, {"term_months": 360, "terms_months": [360]}) == {}
    assert what_if(known, {"term_months": 240, "terms_months": [240]}) == {
        "term_months": 240,
        "terms_months": [240],
    }
    assert what_if({"term_months": 360}, {"term_months": 180}) == {"term_months": 180}


def test_a_term_in_a_follow_up_to_a_refinance_is_the_new_loans() -> None:
    known = {"interest_rate": Decimal("7.5"), "new_rate": Decimal("6.25"), "new_term_months": 360}
    turn = what_if(
        known,
        {"term_months": 240, "terms_months": [240], "interest_rate": Decimal("5.875")},
    )
    assert turn == {"new_term_months": 240, "new_rate": Decimal("5.875")}
