"""Extraction within limits: HTML structure without scripts, PDF text, and the bombs
(inflating streams, page counts that lie either way, too much text) refused quickly."""

from __future__ import annotations

import time

import pytest

from apfa.documents.exceptions import Rejection
from apfa.documents.extraction import extract
from apfa.documents.limits import ExtractionLimits
from pdf_samples import (
    GIB,
    blank_pages_pdf,
    flate_bomb_pdf,
    inflating_pages_pdf,
    lying_page_count_pdf,
    text_pdf,
    undercounted_pages_pdf,
)

MIB = 1024 * 1024
LIMITS = ExtractionLimits(max_pages=5, max_chars=5_000, max_decompressed_bytes=4 * MIB)


def _refused(data: bytes, media_type: str, limits: ExtractionLimits = LIMITS) -> Rejection:
    with pytest.raises(Rejection) as caught:
        extract(data, media_type, "file.bin", limits)
    return caught.value


def test_html_keeps_headings_as_sections_and_drops_scripts() -> None:
    page = (
        b"<html><head><title>Car loans</title><style>.x{}</style></head><body>"
        b"<h1>Car loans</h1><p>Shorter terms cost less.</p><script>var a='<h2>no</h2>'</script>"
        b"<h2>Rates</h2><p>Credit unions are often cheaper &amp; faster.</p>"
        b"<h3>New vs used</h3><ul><li>new: lower rate</li><li>used: lower price</li></ul>"
        b"<h2>Fees</h2><noscript>enable js</noscript><p>Watch for add-ons.</p></body></html>"
    )
    parsed = extract(page, "text/html", "cars.html", LIMITS)
    assert parsed.title == "Car loans"
    assert [(s.heading_path, s.text) for s in parsed.sections] == [
        ((), "Shorter terms cost less."),
        (("Rates",), "Credit unions are often cheaper & faster."),
        (("Rates", "New vs used"), "- new: lower rate\n- used: lower price"),
        (("Fees",), "Watch for add-ons."),
    ]


def test_html_title_falls_back_to_the_file_name() -> None:
    parsed = extract(b"<p>no title here</p>", "text/html", "budget-tips.html", LIMITS)
    assert parsed.title == "budget-tips"


def test_html_over_the_character_limit_is_refused() -> None:
    page = b"<html><body>" + b"<p>" + b"word " * 2000 + b"</p></body></html>"
    rejection = _refused(page, "text/html")
    assert rejection.code == "limit_exceeded"


def test_text_over_the_character_limit_is_refused() -> None:
    assert _refused(b"x" * 5_001, "text/plain").code == "limit_exceeded"
    assert _refused(b"# t\n" + b"y" * 5_001, "text/markdown").code == "limit_exceeded"


def test_markdown_alias_bomb_in_front_matter_is_refused() -> None:
    lines = ["---", "a: &a [x,x,x,x,x,x,x,x,x]"]
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    data = ("\n".join([*lines, "---", "# T", "body"]) + "\n").encode()
    started = time.perf_counter()
    assert _refused(data, "text/markdown").code == "malformed"
    assert time.perf_counter() - started < 5


def test_pdf_text_pages_and_title() -> None:
    data = text_pdf([["First page line"], ["Second (page) line"]], title="Loan basics")
    parsed = extract(data, "application/pdf", "basics.pdf", LIMITS)
    assert parsed.title == "Loan basics"
    assert parsed.metadata == {"pages": "2"}
    assert [(s.heading_path, s.text) for s in parsed.sections] == [
        (("Page 1",), "First page line"),
        (("Page 2",), "Second (page) line"),
    ]


def test_pdf_stream_that_inflates_to_gigabytes_is_refused_quickly() -> None:
    bomb = flate_bomb_pdf(2 * GIB)
    started = time.perf_counter()
    rejection = _refused(bomb, "application/pdf")
    assert rejection.code == "limit_exceeded"
    assert time.perf_counter() - started < 10


def test_pdf_streams_summed_over_pages_hit_the_decompression_budget() -> None:
    data = inflating_pages_pdf(pages=5, each=1 * MIB)
    rejection = _refused(data, "application/pdf")
    assert rejection.code == "limit_exceeded"
    assert "inflate" in rejection.detail
    roomy = ExtractionLimits(max_pages=5, max_chars=5_000, max_decompressed_bytes=8 * MIB)
    assert extract(data, "application/pdf", "f.pdf", roomy).sections == ()


@pytest.mark.parametrize(
    "data",
    [lying_page_count_pdf(10**9), blank_pages_pdf(6), undercounted_pages_pdf(7)],
    ids=["claims-a-billion", "six-real-pages", "claims-one-holds-seven"],
)
def test_pdf_page_limit_holds_whatever_the_count_says(data: bytes) -> None:
    assert _refused(data, "application/pdf").code == "limit_exceeded"


def test_pdf_with_too_much_text_is_refused() -> None:
    lines = ["a fairly long line of text about amortisation schedules"] * 40
    data = text_pdf([lines, lines, lines])
    assert _refused(data, "application/pdf").code == "limit_exceeded"


@pytest.mark.parametrize(
    "data",
    [b"%PDF-1.7\n" + bytes(100), b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\n%%EOF"],
)
def test_unreadable_pdf_is_malformed(data: bytes) -> None:
    assert _refused(data, "application/pdf").code == "malformed"
