"""What a file is, decided by its bytes: the client's name and Content-Type are never
trusted. Accepted: PDF, HTML, markdown and plain text (UTF-8 only)."""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from apfa.documents.exceptions import UNSUPPORTED_TYPE, Rejection

PDF = "application/pdf"
HTML = "text/html"
MARKDOWN = "text/markdown"
TEXT = "text/plain"
ACCEPTED = (TEXT, MARKDOWN, HTML, PDF)
ACCEPTED_NAMES = "txt, md, html or pdf"
HEAD_BYTES = 8192

_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_HTML_SUFFIXES = frozenset({".html", ".htm"})
# Only signatures holding bytes that text never has, so no text file is misnamed by them;
# anything else that is not UTF-8 text is refused by TextProbe.
_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x7fELF", "an ELF executable"),
    (b"\x89PNG\r\n\x1a\n", "a PNG image"),
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"PK\x03\x04", "a ZIP archive (or DOCX, XLSX, EPUB, JAR)"),
    (b"PK\x05\x06", "a ZIP archive"),
    (b"PK\x07\x08", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xfd7zXZ\x00", "an xz archive"),
    (b"\x28\xb5\x2f\xfd", "a zstd archive"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "an OLE document (old Office format)"),
    (b"\xca\xfe\xba\xbe", "a Mach-O or Java class file"),
    (b"\xcf\xfa\xed\xfe", "a Mach-O executable"),
    (b"\xce\xfa\xed\xfe", "a Mach-O executable"),
    (b"\x00asm", "a WebAssembly module"),
    (b"SQLite format 3\x00", "an SQLite database"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"\xff\xfe", "UTF-16 text (save it as UTF-8)"),
    (b"\xfe\xff", "UTF-16 text (save it as UTF-8)"),
)
# Matched only where the linear skip in _looks_like_html stops: a regex that also skipped
# the comments backtracked exponentially on repeated ones (issue #18).
_HTML_TAG = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
_TAG = re.compile(r"<(?:[a-z][a-z0-9]*|!--)[\s>/]", re.IGNORECASE)
# C0 controls other than tab, newline, vertical tab, form feed and carriage return.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f]")


@dataclass
class TextProbe:
    """Checks a stream, chunk by chunk, for being UTF-8 text without binary controls."""

    chars: int = 0
    error: str | None = None
    _offset: int = 0
    _decoder: codecs.IncrementalDecoder = field(
        default_factory=lambda: codecs.getincrementaldecoder("utf-8")("strict")
    )

    def feed(self, data: bytes, *, final: bool = False) -> None:
        if self.error is not None:
            return
        try:
            text = self._decoder.decode(data, final)
        except UnicodeDecodeError as exc:
            where = max(0, self._offset + exc.start)
            self.error = f"is not UTF-8 text (invalid byte near offset {where})"
            return
        control = _CONTROL.search(text)
        if control is not None:
            self.error = f"contains binary control characters (0x{ord(control.group()):02x})"
            return
        self._offset += len(data)
        self.chars += len(text)


def _prolog_end(text: str, pos: int) -> int:
    """Where the whitespace, comment or XML declaration at ``pos`` ends; ``pos`` when
    there is none, -1 when it is never closed."""
    if text.startswith("<!--", pos):
        end = text.find("-->", pos + 4)
        return end + 3 if end >= 0 else -1
    if text[pos : pos + 5].lower() == "<?xml":
        end = text.find(">", pos + 5)
        return end + 1 if end >= 0 else -1
    while pos < len(text) and text[pos].isspace():
        pos += 1
    return pos


def _looks_like_html(text: str) -> bool:
    """Whether the text starts, after whitespace, comments and XML declarations, with a
    doctype, html, head or body tag; in time linear in the text."""
    pos = 0
    while True:
        end = _prolog_end(text, pos)
        if end < 0:
            return False
        if end == pos:
            return _HTML_TAG.match(text, pos) is not None
        pos = end


def _signature(head: bytes) -> str | None:
    return next((what for magic, what in _SIGNATURES if head.startswith(magic)), None)


def _unsupported(what: str) -> Rejection:
    return Rejection(UNSUPPORTED_TYPE, f"content is {what}; accepted types are {ACCEPTED_NAMES}")


def detect(head: bytes, filename: str, text_error: str | None) -> str:
    """The media type of a whole file from its first bytes and its text probe's verdict.
    The name only tells markdown from plain text, and HTML fragments from text."""
    if head.startswith(b"%PDF-"):
        return PDF
    known = _signature(head)
    if known is not None:
        raise _unsupported(known)
    if text_error is not None:
        raise _unsupported(f"binary data: it {text_error}")
    text = head.decode("utf-8", errors="ignore").removeprefix("\ufeff")
    suffix = PurePosixPath(filename).suffix.lower()
    if _looks_like_html(text) or (suffix in _HTML_SUFFIXES and _TAG.search(text)):
        return HTML
    return MARKDOWN if suffix in _MARKDOWN_SUFFIXES else TEXT
