from __future__ import annotations

import pytest

from apfa.knowledge.parsing import (
    DocumentParseError,
    ParsedDocument,
    Section,
    UnsupportedDocumentError,
    parse_document,
    parse_markdown,
    parse_text,
)

FHA_DOC = """---
title: "FHA Loans: Requirements, Mortgage Insurance and Limits"
category: mortgages
source: "HUD Handbook 4000.1; HUD Mortgagee Letter 2023-05"
updated: 2026-10-01
tags: [fha, insurance]
draft: false
---
# FHA Loans: Requirements, Mortgage Insurance and Limits

FHA loans are insured by the **Federal Housing Administration**. See
[HUD](https://www.hud.gov/fha "HUD site") for details.

## Down payment
The minimum is 3.5% with a score of 580 or higher.

- Scores of 500-579 need 10% down.
- Gift funds are allowed, with a `gift letter`.

### Gift funds
A donor must document the transfer of $1,199.10 or more.

## Mortgage insurance
Upfront MIP is __1.75%__ of the base loan amount.

```
# not a heading
rate = 0.55  # annual MIP
```

## Empty heading

## Limits
The 2026 floor is $524,225 in low-cost areas.
"""


def section_map(doc: ParsedDocument) -> dict[tuple[str, ...], str]:
    return {section.heading_path: section.text for section in doc.sections}


def test_front_matter_title_with_colon_and_date_metadata() -> None:
    doc = parse_markdown(FHA_DOC, fallback_title="fha")
    assert doc.title == "FHA Loans: Requirements, Mortgage Insurance and Limits"
    assert doc.metadata == {
        "category": "mortgages",
        "source": "HUD Handbook 4000.1; HUD Mortgagee Letter 2023-05",
        "updated": "2026-10-01",
        "tags": "fha, insurance",
        "draft": "false",
    }


def test_heading_paths_and_h1_title_dropped() -> None:
    doc = parse_markdown(FHA_DOC, fallback_title="fha")
    assert [section.heading_path for section in doc.sections] == [
        (),
        ("Down payment",),
        ("Down payment", "Gift funds"),
        ("Mortgage insurance",),
        ("Limits",),
    ]


def test_inline_markup_cleaned_and_numbers_kept() -> None:
    sections = section_map(parse_markdown(FHA_DOC, fallback_title="fha"))
    intro = sections[()]
    assert intro == (
        "FHA loans are insured by the Federal Housing Administration. See HUD for details."
    )
    down = sections[("Down payment",)]
    assert "3.5%" in down
    assert "- Scores of 500-579 need 10% down.\n- Gift funds are allowed, with a gift letter." in (
        down
    )
    assert "$1,199.10" in sections[("Down payment", "Gift funds")]
    assert "Upfront MIP is 1.75% of" in sections[("Mortgage insurance",)]


def test_code_fence_kept_verbatim_and_not_a_heading() -> None:
    text = section_map(parse_markdown(FHA_DOC, fallback_title="fha"))[("Mortgage insurance",)]
    assert "# not a heading\nrate = 0.55  # annual MIP" in text


def test_h1_becomes_title_without_front_matter() -> None:
    doc = parse_markdown("# Credit Scores\n\nIntro.\n\n## FICO\nRanges 300-850.", "fallback")
    assert doc.title == "Credit Scores"
    assert doc.metadata == {}
    assert doc.sections == (Section((), "Intro."), Section(("FICO",), "Ranges 300-850."))


def test_different_h1_stays_in_heading_path() -> None:
    source = "---\ntitle: Budgeting\n---\n# Part one\n## Rules\nSave 20%.\n"
    doc = parse_markdown(source, "fallback")
    assert doc.sections == (Section(("Part one", "Rules"), "Save 20%."),)


def test_fallback_title_and_soft_wrapped_paragraphs() -> None:
    doc = parse_markdown("Line one of a\nwrapped paragraph.\n\nSecond paragraph.", "my-notes")
    assert doc.title == "my-notes"
    assert doc.sections == (Section((), "Line one of a wrapped paragraph.\n\nSecond paragraph."),)


def test_malformed_yaml_raises_typed_error() -> None:
    with pytest.raises(DocumentParseError, match="YAML"):
        parse_markdown('---\ntitle: "unclosed\ncategory: [a, b\n---\nBody.', "x")


@pytest.mark.parametrize(
    "source",
    ["---\ntitle: Never closed\nBody text.", "---\n- just\n- a list\n---\nBody."],
)
def test_bad_front_matter_structure_raises(source: str) -> None:
    with pytest.raises(DocumentParseError):
        parse_markdown(source, "x")


def test_invalid_utf8_raises_typed_error() -> None:
    with pytest.raises(DocumentParseError, match="UTF-8"):
        parse_document(b"# Title\n\nCaf\xe9 prices \xff", "prices.md")


def test_utf8_bom_and_crlf_handled() -> None:
    data = "\ufeff---\r\ntitle: Café loans\r\n---\r\n## Rates\r\nÉpargne 3%.\r\n".encode()
    doc = parse_document(data, "cafe.md")
    assert doc.title == "Café loans"
    assert doc.sections == (Section(("Rates",), "Épargne 3%."),)


@pytest.mark.parametrize("filename", ["report.pdf", "page.html", "noextension"])
def test_unsupported_extension(filename: str) -> None:
    with pytest.raises(UnsupportedDocumentError):
        parse_document(b"data", filename)


def test_dispatch_on_extension_case_insensitive() -> None:
    assert parse_document("# Heading\nBody.", "notes.MARKDOWN").title == "Heading"
    assert parse_document("# Heading\nBody.", "notes.txt").title == "# Heading"


def test_text_short_first_line_is_title() -> None:
    doc = parse_document(b"\n\nBudget Basics\n\nSpend less than you earn.\n", "dir/budget.txt")
    assert doc.title == "Budget Basics"
    assert doc.metadata == {}
    assert doc.sections == (Section((), "Spend less than you earn."),)


def test_text_long_or_sentence_first_line_uses_stem() -> None:
    long_line = "word " * 40
    assert parse_text(long_line + "\nMore.", "savings").title == "savings"
    doc = parse_document("A sentence, not a title.\nMore text.", r"C:\kb\tips.txt")
    assert doc.title == "tips"
    assert doc.sections[0].text == "A sentence, not a title.\nMore text."


def test_empty_documents_have_no_sections() -> None:
    assert parse_markdown("---\ntitle: Empty\n---\n# Empty\n\n## Nothing\n", "x").sections == ()
    assert parse_text("   \n\n", "blank") == ParsedDocument("blank", {}, ())
