"""Turn knowledge-base files into a format-neutral ParsedDocument of titled sections."""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import PureWindowsPath
from typing import Any

import yaml

__all__ = [
    "DocumentParseError",
    "ParsedDocument",
    "Section",
    "UnsupportedDocumentError",
    "parse_document",
    "parse_markdown",
    "parse_text",
]


class DocumentParseError(ValueError):
    """The document could not be decoded or its structure is malformed."""


class UnsupportedDocumentError(ValueError):
    """No parser exists for the document's file type."""


@dataclass(frozen=True)
class Section:
    heading_path: tuple[str, ...]
    text: str


@dataclass(frozen=True)
class ParsedDocument:
    title: str
    metadata: dict[str, str]
    sections: tuple[Section, ...]


_MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
_TEXT_SUFFIXES = frozenset({".txt"})
_MAX_TEXT_TITLE_CHARS = 100
_MAX_FRONT_MATTER_NODES = 10_000
_MAX_FRONT_MATTER_CHARS = 100_000

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(?:(.*?)\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)
_HEADING = re.compile(r"^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
_THEMATIC_BREAK = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$")
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(?:\|\s*:?-{3,}:?\s*)*\|?\s*$")
_BLOCKQUOTE = re.compile(r"^ {0,3}>[ \t]?")
_LIST_ITEM = re.compile(r"^\s*([-*+•]|\d{1,9}[.)])[ \t]+(.*)$")
_CODE_SPAN = re.compile(r"(`+)(.+?)\1", re.DOTALL)
_INLINE_RULES: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"!\[([^\]]*)\]\([^)]*\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\([^)\s]*(?:\s+(?:\"[^\"]*\"|'[^']*'))?\)"), r"\1"),
    (re.compile(r"\[([^\]]+)\]\[[^\]]*\]"), r"\1"),
    (re.compile(r"<((?:https?|mailto):[^>\s]+)>"), r"\1"),
    (re.compile(r"\*\*|(?<!\w)__(?=\S)|(?<=\S)__(?!\w)"), ""),
    (re.compile(r"(?<![\w*\\])\*(?=\S)([^*\n]+?)(?<=\S)\*(?![\w*])"), r"\1"),
    (re.compile(r"(?<![\w\\])_(?=\S)([^_\n]+?)(?<=\S)_(?!\w)"), r"\1"),
    (re.compile(r"\\([\\`*_{}\[\]()#+\-.!$>|])"), r"\1"),
)


def parse_document(data: bytes | str, filename: str) -> ParsedDocument:
    """Decode ``data`` and parse it with the parser for ``filename``'s extension."""
    name = PureWindowsPath(filename)
    suffix = name.suffix.lower()
    if suffix not in _MARKDOWN_SUFFIXES | _TEXT_SUFFIXES:
        raise UnsupportedDocumentError(f"unsupported document type {suffix or '(none)'!r}")
    text = _decode(data, filename)
    if suffix in _MARKDOWN_SUFFIXES:
        return parse_markdown(text, fallback_title=name.stem)
    return parse_text(text, fallback_title=name.stem)


def parse_text(text: str, fallback_title: str) -> ParsedDocument:
    """Plain text: a short first line is the title; everything else is one section."""
    lines = _normalise_newlines(text).split("\n")
    first = next((i for i, line in enumerate(lines) if line.strip()), None)
    title = fallback_title
    if first is not None and _looks_like_title(lines[first]):
        title = lines[first].strip()
        lines = lines[first + 1 :]
    body = _collapse_blank_lines(line.rstrip() for line in lines)
    sections = (Section((), body),) if body else ()
    return ParsedDocument(title=title, metadata={}, sections=sections)


def parse_markdown(text: str, fallback_title: str) -> ParsedDocument:
    """Markdown with optional YAML front matter, split into sections by heading."""
    front, body = _split_front_matter(_normalise_newlines(text))
    fm_title = front.pop("title", None)
    metadata = {str(key): _to_str(value) for key, value in front.items() if value is not None}
    title = _clean_inline(_to_str(fm_title)).strip() if fm_title is not None else ""
    builder = _SectionBuilder(title or None)
    builder.feed(body.split("\n"))
    return ParsedDocument(
        title=builder.title or fallback_title,
        metadata=metadata,
        sections=tuple(builder.sections),
    )


class _SectionBuilder:
    """Line-based markdown walker: headings open sections, fences pass through verbatim."""

    def __init__(self, title: str | None) -> None:
        self.title = title
        self.sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._lines: list[str] = []
        self._joinable = False

    def feed(self, lines: Iterable[str]) -> None:
        fence: str | None = None
        for raw in lines:
            line = raw.rstrip()
            fence_match = _FENCE.match(line)
            if fence is not None:
                if (
                    fence_match
                    and fence_match.group(1)[0] == fence[0]
                    and (len(fence_match.group(1)) >= len(fence))
                ):
                    fence = None
                    self._break()
                else:
                    self._lines.append(line)
            elif fence_match:
                fence = fence_match.group(1)
                self._break()
            else:
                self._add_line(line)
        self._flush()

    def _add_line(self, line: str) -> None:
        heading = _HEADING.match(line)
        if heading:
            self._heading(len(heading.group(1)), _clean_inline(heading.group(2) or "").strip())
            return
        while _BLOCKQUOTE.match(line):
            line = _BLOCKQUOTE.sub("", line, count=1)
        if not line.strip() or _THEMATIC_BREAK.match(line):
            self._break()
        elif _TABLE_RULE.match(line):
            return
        elif line.lstrip().startswith("|"):
            self._lines.append(_clean_inline(line.strip()))
            self._joinable = False
        elif item := _LIST_ITEM.match(line):
            marker = item.group(1) if item.group(1)[0].isdigit() else "-"
            self._lines.append(f"{marker} {_clean_inline(item.group(2).strip())}")
            self._joinable = True
        elif self._joinable and self._lines:
            self._lines[-1] = f"{self._lines[-1]} {_clean_inline(line.strip())}"
        else:
            self._lines.append(_clean_inline(line.strip()))
            self._joinable = True

    def _heading(self, level: int, text: str) -> None:
        if level == 1 and self.title is None and text:
            self.title = text
            return
        if level == 1 and self.title is not None and _same_text(text, self.title):
            return
        self._flush()
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        if text:
            self._stack.append((level, text))

    def _break(self) -> None:
        if self._lines and self._lines[-1]:
            self._lines.append("")
        self._joinable = False

    def _flush(self) -> None:
        body = _collapse_blank_lines(self._lines)
        if body:
            self.sections.append(Section(tuple(text for _, text in self._stack), body))
        self._lines = []
        self._joinable = False


def _decode(data: bytes | str, filename: str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise DocumentParseError(
            f"{filename}: not valid UTF-8 (bad byte at offset {exc.start})"
        ) from exc


def _split_front_matter(text: str) -> tuple[dict[str, Any], str]:
    text = text.removeprefix("\ufeff")
    if not re.match(r"---[ \t]*(?:\n|\Z)", text):
        return {}, text
    match = _FRONT_MATTER.match(text)
    if match is None:
        raise DocumentParseError("front matter opened with '---' but never closed")
    try:
        loaded = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError as exc:
        raise DocumentParseError(f"malformed YAML front matter: {exc}") from exc
    if loaded is None:
        loaded = {}
    if not isinstance(loaded, dict):
        raise DocumentParseError("front matter must be a YAML mapping")
    _check_expansion(loaded)
    return loaded, text[match.end() :]


def _check_expansion(value: object) -> None:
    """YAML aliases share one object, but rendering metadata as text copies every use: a few
    lines of nested aliases would expand exponentially (a "billion laughs")."""
    nodes, chars = _MAX_FRONT_MATTER_NODES, _MAX_FRONT_MATTER_CHARS
    stack = [value]
    while stack:
        item = stack.pop()
        nodes -= 1
        chars -= len(item) if isinstance(item, str) else 1
        if nodes < 0 or chars < 0:
            raise DocumentParseError("front matter is too large once its aliases are expanded")
        if isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, list | tuple):
            stack.extend(item)


def _to_str(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return ", ".join(_to_str(item) for item in value)
    if isinstance(value, dict):
        return json.dumps(value, default=str, sort_keys=True)
    return str(value)


def _clean_inline(text: str) -> str:
    # Code spans are kept verbatim so identifiers like __init__ survive emphasis stripping.
    parts: list[str] = []
    last = 0
    for match in _CODE_SPAN.finditer(text):
        parts.append(_clean_prose(text[last : match.start()]))
        parts.append(match.group(2).strip())
        last = match.end()
    parts.append(_clean_prose(text[last:]))
    return "".join(parts)


def _clean_prose(text: str) -> str:
    for pattern, replacement in _INLINE_RULES:
        text = pattern.sub(replacement, text)
    return text


def _normalise_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _collapse_blank_lines(lines: Iterable[str]) -> str:
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n").strip()


def _looks_like_title(line: str) -> bool:
    stripped = line.strip()
    return len(stripped) <= _MAX_TEXT_TITLE_CHARS and not stripped.endswith((".", ",", ";", ":"))


def _same_text(left: str, right: str) -> bool:
    return " ".join(left.split()).casefold() == " ".join(right.split()).casefold()
