"""Client file names are metadata only: checked, cleaned, and never used as a path."""

from __future__ import annotations

import re
import unicodedata
from pathlib import PurePosixPath

from apfa.core.text import visible
from apfa.documents.exceptions import INVALID_FILENAME, Rejection

MAX_FILENAME_CHARS = 255
_SEPARATORS = ("/", "\\")
_SPACES = re.compile(r"\s+")


def _visible(text: str) -> str:
    # Line breaks and tabs become spaces; other hidden characters (NUL, bidi overrides such
    # as U+202E) are dropped.
    return _SPACES.sub(" ", visible(_SPACES.sub(" ", text))).strip()


def _shorten(name: str) -> str:
    if len(name) <= MAX_FILENAME_CHARS:
        return name
    suffix = PurePosixPath(name).suffix
    if len(suffix) > 16:
        suffix = ""
    return name[: MAX_FILENAME_CHARS - len(suffix)] + suffix


def display_name(raw: str | None) -> str:
    """A harmless rendering of any client name, for records of refused files."""
    if not raw:
        return "(unnamed)"
    flattened = raw.replace("/", "_").replace("\\", "_")
    return _shorten(_visible(unicodedata.normalize("NFC", flattened))) or "(unnamed)"


def clean_filename(raw: str | None) -> str:
    """The client's name as stored metadata, or a ``Rejection`` when it names a path or
    nothing at all. Storage never sees it: files are stored under document ids."""
    if raw is None or not raw.strip():
        raise Rejection(INVALID_FILENAME, "the part has no file name")
    if any(sep in raw for sep in _SEPARATORS):
        raise Rejection(INVALID_FILENAME, "the file name contains a path; send the name only")
    if "\x00" in raw:
        raise Rejection(INVALID_FILENAME, "the file name contains a NUL byte")
    name = _shorten(_visible(unicodedata.normalize("NFC", raw)))
    if name in {"", ".", ".."}:
        raise Rejection(INVALID_FILENAME, "the file name is empty once cleaned")
    return name


def stem(name: str) -> str:
    """The name without its extension: the title of a document that states none."""
    return PurePosixPath(name).stem or name
