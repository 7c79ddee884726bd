"""PDF text with limits: declared and real page counts, decompressed bytes of page and
form streams summed over the document, extracted characters, and pypdf's own per-stream
decoding caps lowered to our budget, so a bomb is refused instead of inflated."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from pypdf import PageObject, PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.generic import ArrayObject, DictionaryObject, StreamObject

from apfa.documents.exceptions import LIMIT_EXCEEDED, MALFORMED, Rejection
from apfa.documents.limits import ExtractionLimits
from apfa.knowledge.parsing import ParsedDocument, Section

MAX_FORM_DEPTH = 8
MAX_FORM_INVOCATIONS = 1000
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SPACES = re.compile(r"[ \t\r]+")


class _Budget:
    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.used = 0

    def charge(self, size: int) -> None:
        self.used += size
        if self.used > self.limit:
            raise Rejection(
                LIMIT_EXCEEDED,
                f"the PDF's page streams inflate to more than {self.limit} bytes",
            )


def _configuration(limits: ExtractionLimits) -> dict[str, Any]:
    cap = limits.max_decompressed_bytes
    return {
        "zlib_maximum_output_length": cap,
        "lzw_maximum_output_length": cap,
        "run_length_maximum_output_length": cap,
        "brotli_maximum_output_length": cap,
        "jbig2_maximum_output_length": cap,
        "array_based_stream_maximum_output_length": cap,
        "xform_maximum_invocations_per_extraction": MAX_FORM_INVOCATIONS,
        "jbig2dec_binary": None,
    }


def _open(source: bytes | Path, limits: ExtractionLimits) -> PdfReader:
    reader = PdfReader(io.BytesIO(source) if isinstance(source, bytes) else source)
    if reader.is_encrypted:
        try:
            unlocked = reader.decrypt("")
        except Exception as exc:
            raise Rejection(MALFORMED, f"the PDF is encrypted ({exc})") from exc
        if not unlocked:
            raise Rejection(MALFORMED, "the PDF is encrypted with a password")
    pages = reader.root_object.get("/Pages")
    pages = pages.get_object() if pages is not None else None
    if not isinstance(pages, DictionaryObject):
        raise Rejection(MALFORMED, "the PDF has no page tree")
    declared = int(pages.get("/Count", 0))
    if declared > limits.max_pages:
        raise Rejection(
            LIMIT_EXCEEDED, f"the PDF declares {declared} pages; the limit is {limits.max_pages}"
        )
    return reader


def _streams(value: Any) -> Iterator[StreamObject]:
    value = value.get_object() if value is not None else None
    if isinstance(value, ArrayObject):
        for item in value:
            yield from _streams(item)
    elif isinstance(value, StreamObject):
        yield value


def _charge_forms(resources: Any, budget: _Budget, seen: set[int], depth: int) -> None:
    resources = resources.get_object() if resources is not None else None
    if not isinstance(resources, DictionaryObject) or depth > MAX_FORM_DEPTH:
        return
    xobjects = resources.get("/XObject")
    xobjects = xobjects.get_object() if xobjects is not None else None
    if not isinstance(xobjects, DictionaryObject):
        return
    for ref in xobjects.values():
        form = ref.get_object()
        if not isinstance(form, StreamObject) or form.get("/Subtype") != "/Form":
            continue
        if id(form) in seen:
            continue
        seen.add(id(form))
        budget.charge(len(form.get_data()))
        _charge_forms(form.get("/Resources"), budget, seen, depth + 1)


def _page_text(page: PageObject, budget: _Budget, seen: set[int]) -> str:
    for content in _streams(page.get("/Contents")):
        if id(content) not in seen:
            seen.add(id(content))
            budget.charge(len(content.get_data()))
    _charge_forms(page.get("/Resources"), budget, seen, 0)
    text = _CONTROLS.sub("", page.extract_text() or "")
    lines = (_SPACES.sub(" ", line).strip() for line in text.split("\n"))
    return "\n".join(line for line in lines if line)


def _title(reader: PdfReader, fallback: str) -> str:
    try:
        title = reader.metadata.title if reader.metadata is not None else None
    except Exception:
        return fallback
    cleaned = " ".join(_CONTROLS.sub("", str(title or "")).split())
    return cleaned if 0 < len(cleaned) <= 300 else fallback


def _extract(data: bytes, fallback_title: str, limits: ExtractionLimits) -> ParsedDocument:
    reader = _open(data, limits)
    budget = _Budget(limits.max_decompressed_bytes)
    seen: set[int] = set()
    sections: list[Section] = []
    chars = 0
    for number, page in enumerate(reader.pages, start=1):
        if number > limits.max_pages:
            raise Rejection(LIMIT_EXCEEDED, f"the PDF has more than {limits.max_pages} pages")
        text = _page_text(page, budget, seen)
        chars += len(text)
        if chars > limits.max_chars:
            raise Rejection(
                LIMIT_EXCEEDED, f"the PDF holds more than {limits.max_chars} characters of text"
            )
        if text:
            sections.append(Section((f"Page {number}",), text))
    metadata = {"pages": str(len(reader.pages))}
    return ParsedDocument(_title(reader, fallback_title), metadata, tuple(sections))


def _guarded(action: Any, *args: Any) -> Any:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return action(*args)
        except Rejection:
            raise
        except LimitReachedError as exc:
            raise Rejection(LIMIT_EXCEEDED, f"the PDF exceeds a decoding limit: {exc}") from exc
        except RecursionError as exc:
            raise Rejection(MALFORMED, "the PDF's structure is nested too deeply") from exc
        except Exception as exc:  # pypdf raises many kinds on hostile input
            detail = f"{type(exc).__name__}: {exc}"[:300]
            raise Rejection(MALFORMED, f"the PDF cannot be read ({detail})") from exc


def check_pdf(path: Path, limits: ExtractionLimits) -> None:
    """At upload: it opens, is not locked, and declares no more pages than allowed."""
    with apply_configuration(**_configuration(limits)):
        _guarded(_open, path, limits)


def parse_pdf(data: bytes, fallback_title: str, limits: ExtractionLimits) -> ParsedDocument:
    with apply_configuration(**_configuration(limits)):
        parsed: ParsedDocument = _guarded(_extract, data, fallback_title, limits)
    return parsed
