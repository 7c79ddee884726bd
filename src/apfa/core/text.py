"""Text from clients that is shown again (names, questions, titles): what hides or
reorders what is displayed is removed, in one place for every field.

Removed: controls (C0 and C1), format characters (bidi embeddings, overrides and isolates,
zero-width spaces, joiners and marks, the word joiner, a byte-order mark), lone
surrogates, private-use and unassigned code points.
"""

from __future__ import annotations

import re
import unicodedata

_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn"})
# C0 controls and DEL, refused rather than removed: no person types them.
_C0_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_LINE_BREAKS = "\t\n\r"


def visible(text: str, *, keep: str = "") -> str:
    """``text`` without the hidden characters, except those in ``keep``."""
    if text.isprintable():  # no hidden character, and the common case
        return text
    return "".join(
        ch for ch in text if ch in keep or unicodedata.category(ch) not in _HIDDEN_CATEGORIES
    )


def readable(value: str, name: str, *, line_breaks: bool = False) -> str:
    """``value`` without hidden characters, for a validator: ``ValueError`` (a 422) when
    it holds C0 controls (tabs and line breaks allowed when ``line_breaks``) or no text
    once cleaned."""
    allowed = _LINE_BREAKS if line_breaks else ""
    if any(ch not in allowed for ch in _C0_CONTROL.findall(value)):
        raise ValueError(f"{name} must not contain control characters")
    cleaned = visible(value, keep=allowed)
    if not cleaned.strip():
        raise ValueError(f"{name} must contain text")
    return cleaned
