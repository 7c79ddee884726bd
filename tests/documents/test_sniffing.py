"""Types are judged by bytes; names are metadata, refused when they carry a path."""

from __future__ import annotations

import time

import pytest

from apfa.documents.exceptions import Rejection
from apfa.documents.filenames import clean_filename, display_name
from apfa.documents.sniffing import HTML, MARKDOWN, PDF, TEXT, TextProbe, detect


def _probe(data: bytes, size: int = 3) -> TextProbe:
    probe = TextProbe()
    for start in range(0, len(data), size):
        probe.feed(data[start : start + size])
    probe.feed(b"", final=True)
    return probe


def _detect(data: bytes, name: str) -> str:
    return detect(data[:8192], name, _probe(data).error)


@pytest.mark.parametrize(
    ("data", "name", "expected"),
    [
        (b"%PDF-1.7\n...", "x.pdf", PDF),
        (b"%PDF-1.4\n...", "notes.md", PDF),
        (b"<!DOCTYPE html><html><body>hi</body></html>", "page.txt", HTML),
        (b"\xef\xbb\xbf  <!-- c -->\n<html lang=en>", "x", HTML),
        (b"<p>a fragment</p>", "frag.htm", HTML),
        (b"<p>a fragment</p>", "frag.md", MARKDOWN),
        (b"# Title\n\ntext", "a.markdown", MARKDOWN),
        (b"# Title\n\ntext", "a.txt", TEXT),
        ("caf\u00e9 \u2013 na\u00efve \U0001f600\n".encode(), "u.txt", TEXT),
        (b"plain", "no-extension", TEXT),
        (b"text named like a pdf", "fake.pdf", TEXT),
    ],
)
def test_accepted_content(data: bytes, name: str, expected: str) -> None:
    assert _detect(data, name) == expected


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"\x7fELF\x02\x01\x01" + bytes(50), "ELF"),
        (b"\x89PNG\r\n\x1a\n" + bytes(50), "PNG"),
        (b"PK\x03\x04" + bytes(50), "ZIP"),
        (b"\x1f\x8b\x08" + bytes(50), "gzip"),
        (b"\xff\xfeh\x00i\x00", "UTF-16"),
        (b"hello\x00world", "control"),
        (b"caf\xe9", "not UTF-8"),
        (b"ok text then \xc3", "not UTF-8"),
    ],
)
def test_refused_content_says_what_it_is(data: bytes, what: str) -> None:
    with pytest.raises(Rejection) as caught:
        _detect(data, "innocent.md")
    assert caught.value.code == "unsupported_type"
    assert caught.value.http_status == 415
    assert what in caught.value.detail


def test_text_probe_handles_characters_split_across_chunks() -> None:
    data = "\u00e9\u20ac\U0001f600".encode() * 50
    for size in (1, 2, 3, 5, 7):
        probe = _probe(data, size)
        assert probe.error is None
        assert probe.chars == 150


@pytest.mark.parametrize(
    "name",
    ["../../etc/passwd.md", "/etc/passwd.md", "..\\..\\win.ini", "dir/file.txt", "", "  ", ".."],
)
def test_names_with_paths_or_nothing_are_refused(name: str) -> None:
    with pytest.raises(Rejection) as caught:
        clean_filename(name)
    assert caught.value.code == "invalid_filename"


def test_names_are_cleaned_not_trusted() -> None:
    assert clean_filename("  report\u202egpj.pdf ") == "reportgpj.pdf"
    assert clean_filename("tab\tand\nnewline.md") == "tab and newline.md"
    assert clean_filename("Cafe\u0301.txt") == "Caf\u00e9.txt"
    long = clean_filename("a" * 400 + ".pdf")
    assert len(long) == 255
    assert long.endswith(".pdf")


def test_display_name_of_a_refused_name_holds_no_path() -> None:
    shown = display_name("../../etc/passwd.md")
    assert "/" not in shown
    assert shown.endswith("passwd.md")
    assert display_name(None) == "(unnamed)"


@pytest.mark.parametrize("size", [1_000, 10_000, 100_000])
def test_html_start_detection_is_linear_on_repeated_comments(size: int) -> None:
    """Repeated comments before a non-HTML tag once backtracked exponentially (issue #18)."""
    hostile = ("<!-- -->" * (size // 8) + "<p>").encode()
    started = time.perf_counter()
    assert detect(hostile, "x.txt", None) == TEXT
    assert detect(hostile + b"<html>", "x.txt", None) == TEXT
    assert time.perf_counter() - started < 0.1


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"<?xml version='1.0'?>\n<!-- a -->\t<HTML>", HTML),
        (b"<!doctype   HTML>", HTML),
        (b"<!-- never closed <html>", TEXT),
        (b"<?xml never closed <html>", TEXT),
        (b"<!--><html>", TEXT),
        (b"<!----><body>", HTML),
        (b"  <header>", TEXT),
        (b"<head>", HTML),
        (b"text <html>", TEXT),
    ],
)
def test_html_start_skips_whitespace_comments_and_declarations(data: bytes, expected: str) -> None:
    assert detect(data, "x.txt", None) == expected
