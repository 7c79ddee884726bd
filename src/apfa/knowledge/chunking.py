"""Split parsed documents into overlapping, heading-scoped chunks sized for embedding."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from dataclasses import dataclass

from apfa.knowledge.parsing import ParsedDocument

__all__ = ["Chunk", "approx_token_count", "chunk_document", "split_sentences"]

TokenCounter = Callable[[str], int]
Span = tuple[int, int]

_TAIL_FRACTION = 0.2
_TAIL_MERGE_LIMIT = 1.25

_ABBREVIATION_WORDS = """
    u.s u.s.a e.g i.e etc vs mr mrs ms dr prof no nos inc corp co ltd llc jr sr st ave blvd
    jan feb mar apr jun jul aug sep sept oct nov dec approx reg regs sec secs art fig vol
    dept govt est min max avg yr yrs mo mos ft sq pp cf al ph.d a.m p.m
"""
_ABBREVIATIONS = frozenset(_ABBREVIATION_WORDS.split())
_TOKEN = re.compile(
    r"[\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uac00-\ud7af]|(?:[^\W\d_])+|\d+|[^\w\s]|_"
)
_CLOSERS = "\"'”’»)]」』"
_CLOSER_CLASS = f"[{re.escape(_CLOSERS)}]*"
_BOUNDARY = re.compile(rf"[.!?…]+{_CLOSER_CLASS}(?=\s)|[。！？]+{_CLOSER_CLASS}")
_LINE = re.compile(r"[^\n]+")
_WORD = re.compile(r"\S+")
_LINE_START_BREAK = re.compile(r"(?:[-*+•]|\d{1,3}[.)]|[a-zA-Z][.)])\s|\|")
_LINE_END_BREAK = re.compile(rf"(?:[.!?…:;。！？]+{_CLOSER_CLASS}|\|)$")
_DOTTED_ACRONYM = re.compile(r"(?:[^\W\d_]\.)+[^\W\d_]")
_MARKER_ONLY = re.compile(r"\(?(?:\d{1,3}|[ivxlcdm]{1,6}|[IVXLCDM]{1,6}|[^\W\d_])\.")
_OPENERS = "\"'“‘([{«"


@dataclass(frozen=True)
class Chunk:
    ordinal: int
    title: str
    heading_path: tuple[str, ...]
    text: str
    token_count: int
    content_hash: str

    @property
    def embedding_text(self) -> str:
        """Title and headings travel with the text so the vector carries the context."""
        return embedding_text_for(self.title, self.heading_path, self.text)


def approx_token_count(text: str) -> int:
    """WordPiece-like estimate: ~1.3 per English word, digit runs by threes, 1 per symbol."""
    total = 0
    for match in _TOKEN.finditer(text):
        piece = match.group()
        if piece.isdigit():
            total += (len(piece) + 2) // 3
        elif piece.isalpha():
            total += 1 + len(piece) // 8
        else:
            total += 1
    return total


def split_sentences(text: str) -> list[str]:
    """Sentences and list items of ``text``, each with whitespace collapsed."""
    return [" ".join(text[start:end].split()) for start, end in _sentence_spans(text)]


def chunk_document(
    doc: ParsedDocument,
    *,
    max_tokens: int = 200,
    overlap_tokens: int = 40,
    count_tokens: TokenCounter | None = None,
) -> list[Chunk]:
    """Chunk each section independently; ordinals run over the whole document."""
    if max_tokens < 1:
        raise ValueError("max_tokens must be positive")
    if not 0 <= overlap_tokens < max_tokens:
        raise ValueError("overlap_tokens must be in [0, max_tokens)")
    count = _memoised(count_tokens or approx_token_count)
    chunks: list[Chunk] = []
    for section in doc.sections:
        for text in _chunk_section(section.text, max_tokens, overlap_tokens, count):
            chunks.append(_make_chunk(len(chunks), doc.title, section.heading_path, text, count))
    return chunks


def _memoised(count: TokenCounter) -> TokenCounter:
    """``count`` remembering its answers for one document: a chunk's own count is the count
    of the window that was measured to form it."""
    known: dict[str, int] = {}

    def counted(text: str) -> int:
        tokens = known.get(text)
        if tokens is None:
            tokens = known[text] = count(text)
        return tokens

    return counted


def _make_chunk(
    ordinal: int, title: str, path: tuple[str, ...], text: str, count: TokenCounter
) -> Chunk:
    normalised = " ".join(embedding_text_for(title, path, text).split())
    digest = hashlib.sha256(normalised.encode("utf-8")).hexdigest()
    return Chunk(ordinal, title, path, text, count(text), digest)


def embedding_text_for(title: str, path: tuple[str, ...], text: str) -> str:
    parts = [title, " > ".join(path), text] if path else [title, text]
    return "\n".join(parts)


def _chunk_section(
    text: str, max_tokens: int, overlap_tokens: int, count: TokenCounter
) -> list[str]:
    sentences = list(_sentence_spans(text))
    if not sentences:
        return []
    whole = text[sentences[0][0] : sentences[-1][1]]
    if count(whole) <= max_tokens:
        # A section that fits is one chunk: counts only grow as text is added, so every
        # sentence fits and the greedy packing below would take them all into one window.
        return [whole]
    units = [
        unit for sentence in sentences for unit in _fit_span(text, sentence, max_tokens, count)
    ]
    if not units:
        return []

    def measure(first: int, last: int) -> int:
        return count(text[units[first][0] : units[last][1]])

    windows = _pack(len(units), measure, max_tokens, overlap_tokens)
    windows = _merge_tail(windows, measure, max_tokens)
    return [text[units[first][0] : units[last][1]] for first, last in windows]


def _pack(
    n_units: int, measure: Callable[[int, int], int], max_tokens: int, overlap_tokens: int
) -> list[Span]:
    """Greedy packing; each window restarts on trailing units of the previous one."""
    windows: list[Span] = []
    start, end = 0, 0
    while True:
        while end + 1 < n_units and measure(start, end + 1) <= max_tokens:
            end += 1
        windows.append((start, end))
        if end + 1 >= n_units:
            return windows
        # Strictly after the previous start, so overlap never repeats a whole chunk.
        next_start = end + 1
        while (
            next_start - 1 > start
            and measure(next_start - 1, end) <= overlap_tokens
            and measure(next_start - 1, end + 1) <= max_tokens
        ):
            next_start -= 1
        start, end = next_start, end + 1


def _merge_tail(
    windows: list[Span], measure: Callable[[int, int], int], max_tokens: int
) -> list[Span]:
    if len(windows) < 2:
        return windows
    (first, prev_end), (_, last) = windows[-2], windows[-1]
    fresh = measure(prev_end + 1, last)
    if fresh < _TAIL_FRACTION * max_tokens and measure(first, last) <= (
        _TAIL_MERGE_LIMIT * max_tokens
    ):
        return [*windows[:-2], (first, last)]
    return windows


def _fit_span(text: str, span: Span, max_tokens: int, count: TokenCounter) -> list[Span]:
    """Split an over-long span on word boundaries, and an over-long word on characters."""
    if count(text[span[0] : span[1]]) <= max_tokens:
        return [span]
    words = [(m.start(), m.end()) for m in _WORD.finditer(text, *span)]
    if len(words) == 1:
        return _split_chars(text, span, max_tokens, count)
    groups = _group_words(text, words, max_tokens, count)
    if len(groups) == 1:
        # Per-word sums underestimated this counter; halving still shrinks every recursion.
        groups = [words[: len(words) // 2], words[len(words) // 2 :]]
    return [
        piece
        for group in groups
        for piece in _fit_span(text, (group[0][0], group[-1][1]), max_tokens, count)
    ]


def _group_words(
    text: str, words: list[Span], max_tokens: int, count: TokenCounter
) -> list[list[Span]]:
    """Greedy grouping by summed per-word counts, avoiding quadratic re-counting."""
    groups: list[list[Span]] = [[]]
    budget = 0
    for start, end in words:
        size = count(text[start:end])
        if groups[-1] and budget + size > max_tokens:
            groups.append([])
            budget = 0
        groups[-1].append((start, end))
        budget += size
    return groups


def _split_chars(text: str, span: Span, max_tokens: int, count: TokenCounter) -> list[Span]:
    pieces: list[Span] = []
    start = span[0]
    while start < span[1]:
        end = start + 1
        while end < span[1] and count(text[start : end + 1]) <= max_tokens:
            end += 1
        pieces.append((start, end))
        start = end
    return pieces


def _sentence_spans(text: str) -> list[Span]:
    spans: list[Span] = []
    for group_start, group_end in _line_groups(text):
        start = group_start
        for match in _BOUNDARY.finditer(text, group_start, group_end):
            if _is_sentence_end(text, start, match):
                spans.append((start, match.end()))
                start = _skip_space(text, match.end(), group_end)
        if start < group_end:
            spans.append((start, group_end))
    return spans


def _line_groups(text: str) -> list[Span]:
    """Join soft-wrapped lines; break at blank lines, list items, table rows, line-final stops."""
    lines: list[Span] = []
    for match in _LINE.finditer(text):
        stripped = match.group().strip()
        if stripped:
            offset = match.start() + match.group().index(stripped)
            lines.append((offset, offset + len(stripped)))
    groups: list[Span] = []
    for start, end in lines:
        if groups and not _breaks_between(text, groups[-1], (start, end)):
            groups[-1] = (groups[-1][0], end)
        else:
            groups.append((start, end))
    return groups


def _breaks_between(text: str, previous: Span, line: Span) -> bool:
    if text.count("\n", previous[1], line[0]) > 1:
        return True
    last_line = text[text.rfind("\n", 0, previous[1]) + 1 : previous[1]].lstrip()
    if _LINE_START_BREAK.match(text, line[0], line[1] + 1) or last_line.startswith("|"):
        return True
    stop = _LINE_END_BREAK.search(last_line)
    if stop is None:
        return False
    return stop.group() == "|" or _is_stop(
        stop.group(), last_line[: stop.start() + 1], text[line[0]]
    )


def _is_sentence_end(text: str, start: int, match: re.Match[str]) -> bool:
    following = _skip_space(text, match.end(), len(text))
    next_char = text[following] if following < len(text) else ""
    return _is_stop(match.group(), text[start : match.start() + 1], next_char)


def _is_stop(terminator: str, before: str, next_char: str) -> bool:
    """Whether ``terminator`` ends a sentence; ``before`` runs up to its first character."""
    if not next_char or terminator[0] in "。！？":
        return True
    if next_char.islower():
        return False
    if terminator.rstrip(_CLOSERS) != ".":
        return True
    if _MARKER_ONLY.fullmatch(before.strip()):
        return False
    words = before[:-1].split()
    word = words[-1].lstrip(_OPENERS) if words else ""
    return not (
        word.lower() in _ABBREVIATIONS
        or _DOTTED_ACRONYM.fullmatch(word)
        or (len(word) == 1 and word.isalpha())
    )


def _skip_space(text: str, index: int, limit: int) -> int:
    while index < limit and text[index].isspace():
        index += 1
    return index
