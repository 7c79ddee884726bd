"""HTML to titled sections with the standard library parser: no network, no DTDs, no
entity definitions (so no entity-expansion bombs); scripts, styles and other non-text
elements are dropped; headings open sections; output stops at the character limit."""

from __future__ import annotations

import re
from html.parser import HTMLParser

from apfa.documents.exceptions import LIMIT_EXCEEDED, Rejection
from apfa.knowledge.parsing import ParsedDocument, Section

_SKIPPED = frozenset(
    {"script", "style", "template", "noscript", "svg", "math", "iframe", "object", "canvas"}
)
_HEADINGS = {f"h{level}": level for level in range(1, 7)}
_BLOCKS = frozenset(
    {
        "address", "article", "aside", "blockquote", "br", "dd", "div", "dl", "dt",
        "figcaption", "figure", "footer", "form", "header", "hr", "li", "main", "nav", "ol",
        "p", "pre", "section", "table", "tbody", "tfoot", "thead", "tr", "ul",
    }
)  # fmt: skip
_CELLS = frozenset({"td", "th"})
_SPACES = re.compile(r"[ \t\f\v\r]+")
_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _tidy(text: str) -> str:
    lines = (_SPACES.sub(" ", line).strip() for line in _CONTROLS.sub("", text).split("\n"))
    out: list[str] = []
    for line in lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip()


class _Extractor(HTMLParser):
    def __init__(self, max_chars: int) -> None:
        super().__init__(convert_charrefs=True)
        self.max_chars = max_chars
        self.chars = 0
        self.title: str | None = None
        self.sections: list[Section] = []
        self._stack: list[tuple[int, str]] = []
        self._body: list[str] = []
        self._skip: list[str] = []
        self._heading: tuple[int, list[str]] | None = None
        self._in_title = False
        self._title_parts: list[str] = []
        self._pre = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.append(tag)
            return
        if tag in _SKIPPED:
            self._skip.append(tag)
        elif tag == "title" and self.title is None:
            self._in_title = True
        elif tag in _HEADINGS:
            self._flush()
            self._heading = (_HEADINGS[tag], [])
        elif tag in _BLOCKS:
            self._body.append("\n- " if tag == "li" else "\n")
            self._pre += tag == "pre"
        elif tag in _CELLS:
            self._body.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if self._skip:
            if tag == self._skip[-1]:
                self._skip.pop()
            return
        if tag == "title" and self._in_title:
            self._in_title = False
            self.title = " ".join("".join(self._title_parts).split()) or None
        elif tag in _HEADINGS and self._heading is not None:
            level, parts = self._heading
            self._heading = None
            self._open_heading(level, " ".join("".join(parts).split()))
        elif tag in _BLOCKS:
            self._body.append("" if tag == "li" else "\n")
            self._pre -= tag == "pre" and self._pre > 0

    def handle_data(self, data: str) -> None:
        if self._skip:
            return
        self.chars += len(data)
        if self.chars > self.max_chars:
            raise Rejection(
                LIMIT_EXCEEDED, f"the HTML holds more than {self.max_chars} characters of text"
            )
        if self._in_title:
            self._title_parts.append(data)
        elif self._heading is not None:
            self._heading[1].append(data)
        else:
            self._body.append(data if self._pre else data.replace("\n", " "))

    def _open_heading(self, level: int, text: str) -> None:
        if level == 1 and text and self.title is None:
            self.title = text
            return
        if level == 1 and text == self.title:
            return
        while self._stack and self._stack[-1][0] >= level:
            self._stack.pop()
        if text:
            self._stack.append((level, text))

    def _flush(self) -> None:
        body = _tidy("".join(self._body))
        if body:
            self.sections.append(Section(tuple(text for _, text in self._stack), body))
        self._body = []

    def finish(self, fallback_title: str) -> ParsedDocument:
        self.close()
        if self._heading is not None:
            level, parts = self._heading
            self._heading = None
            self._open_heading(level, " ".join("".join(parts).split()))
        self._flush()
        return ParsedDocument(self.title or fallback_title, {}, tuple(self.sections))


def parse_html(text: str, fallback_title: str, *, max_chars: int) -> ParsedDocument:
    extractor = _Extractor(max_chars)
    extractor.feed(text)
    return extractor.finish(fallback_title)
