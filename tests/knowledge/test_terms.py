"""Lexical tokens that keep finance terms whole, and query acronym expansion."""

from __future__ import annotations

import pytest

from apfa.knowledge.terms import lexicon, query_tokens, tokenize


@pytest.mark.parametrize(
    ("text", "token"),
    [
        ("borrow from a 401(k)", "401k"),
        ("borrow from a 401k", "401k"),
        ("a 403 (b) plan", "403b"),
        ("a 5/6 ARM", "5/6"),
        ("the 28/36 rule", "28/36"),
        ("caps of 2/1/5", "2/1/5"),
        ("owes $1,200", "1200"),
        ("owes 1,200 dollars", "1200"),
        ("a $45k salary", "45000"),
        ("at 6.5% APR", "6.5"),
        ("Form 1099-C", "1099c"),
        ("a W-2", "w2"),
        ("two CDs", "cd"),
        ("ARMs reset", "arm"),
    ],
)
def test_finance_tokens_stay_whole(text: str, token: str) -> None:
    assert token in tokenize(text)


def test_the_same_term_written_two_ways_gives_the_same_tokens() -> None:
    assert tokenize("401(k) loans") == tokenize("401K loan")
    assert tokenize("$1,200 a month") == tokenize("1200 a month")


def test_words_are_stemmed_and_question_words_dropped() -> None:
    assert tokenize("How do I cancel my loans?") == ["cancel", "loan"]


def test_a_list_of_small_numbers_is_not_read_as_thousands() -> None:
    assert tokenize("steps 3,4") == ["step", "3", "4"]


def test_an_acronym_brings_its_expansion() -> None:
    tokens = query_tokens("PSLF after 10 years")
    assert tokens[: len(tokenize("PSLF after 10 years"))] == tokenize("PSLF after 10 years")
    assert set(tokenize("public service loan forgiveness")) <= set(tokens)


def test_an_expansion_brings_its_acronym() -> None:
    assert "heloc" in query_tokens("a home equity line of credit for repairs")
    assert "heloc" not in tokenize("a home equity line of credit for repairs")


def test_a_plural_acronym_is_expanded() -> None:
    assert set(tokenize("exchange-traded fund")) <= set(query_tokens("cheap ETFs"))


def test_the_lexicon_names_the_acronyms_the_brief_lists() -> None:
    acronyms = lexicon().acronyms
    for short in ("pslf", "idr", "dti", "ltv", "pmi", "mip", "heloc", "apr", "apy", "arm"):
        assert short in acronyms
    for short in ("fha", "va", "usda", "ira", "hsa", "fsa", "rmd", "cd", "etf", "reit", "sba"):
        assert short in acronyms
