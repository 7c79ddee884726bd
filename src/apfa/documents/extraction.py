"""Stored bytes -> ParsedDocument by detected media type, within the extraction limits.
Every refusal is a ``Rejection``; blocking: run it in a worker thread."""

from __future__ import annotations

from apfa.documents.exceptions import LIMIT_EXCEEDED, MALFORMED, UNSUPPORTED_TYPE, Rejection
from apfa.documents.filenames import stem
from apfa.documents.html import parse_html
from apfa.documents.limits import ExtractionLimits
from apfa.documents.pdf import parse_pdf
from apfa.documents.sniffing import HTML, MARKDOWN, PDF, TEXT
from apfa.knowledge.parsing import (
    DocumentParseError,
    ParsedDocument,
    parse_markdown,
    parse_text,
)


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise Rejection(UNSUPPORTED_TYPE, f"not UTF-8 text (byte {exc.start})") from exc


def _check_chars(text: str, limits: ExtractionLimits) -> None:
    if len(text) > limits.max_chars:
        raise Rejection(
            LIMIT_EXCEEDED,
            f"the text has {len(text)} characters; the limit is {limits.max_chars}",
        )


def extract(
    data: bytes, media_type: str, filename: str, limits: ExtractionLimits
) -> ParsedDocument:
    title = stem(filename)
    if media_type == PDF:
        return parse_pdf(data, title, limits)
    if media_type not in (HTML, MARKDOWN, TEXT):
        raise Rejection(UNSUPPORTED_TYPE, f"no parser for {media_type}")
    text = _decode(data)
    if media_type == HTML:
        return parse_html(text, title, max_chars=limits.max_chars)
    _check_chars(text, limits)
    try:
        if media_type == MARKDOWN:
            return parse_markdown(text, fallback_title=title)
        return parse_text(text, fallback_title=title)
    except DocumentParseError as exc:
        raise Rejection(MALFORMED, str(exc)) from exc
