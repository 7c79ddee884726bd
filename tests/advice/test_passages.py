"""What an answer may quote from a passage: whole sentences of prose, never the labelled
cases of a worked example, a lead-in or a list fragment."""

from __future__ import annotations

import pytest

from apfa.advice.compose.passages import best_run, off_plan, quotable, terms


@pytest.mark.parametrize(
    "sentence",
    [
        "Avalanche order (B, then C, then A): Debt B is paid off in month 12, Debt C in month 24.",
        "Option A costs less over the first five years than the other choice does.",
        "For example, a borrower who pays late twice will see the penalty applied.",
        "Consider a family that borrows for a new car at a fixed rate.",
        "- A secured card requires a deposit that becomes the limit on the card.",
        "The payment on this loan is $1,896.20 a month over thirty years.",
    ],
)
def test_worked_examples_and_fragments_are_not_quoted(sentence: str) -> None:
    assert not quotable(sentence)


def test_prose_is_quoted_in_order() -> None:
    text = (
        "A debt management plan is set up by a nonprofit credit counseling agency. "
        "The borrower makes one monthly payment to the agency, which pays the creditors. "
        "Debt B is paid off in month 12 in the example below."
    )
    run = best_run(text, terms("how does a debt management plan work with the agency"))
    assert run == (
        "A debt management plan is set up by a nonprofit credit counseling agency. "
        "The borrower makes one monthly payment to the agency, which pays the creditors."
    )


def test_in_a_conversation_only_the_plans_bundled_sources_are_quoted() -> None:
    sources = {"how-much-house-can-i-afford", "down-payments"}
    assert not off_plan("bundled:down-payments.md", sources)
    assert off_plan("bundled:asset-allocation-and-rebalancing.md", sources)
    assert not off_plan("upload:3f2a", sources)  # an operator's document is never off the plan
    assert not off_plan(None, sources)
