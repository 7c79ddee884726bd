"""Tokens for lexical (BM25) search that keep what finance text means exactly.

Dense retrieval blurs exact tokens; these keep them: ``401(k)`` and ``401k`` are one
token, ``5/6`` (an ARM) and ``28/36`` stay whole, ``$1,200`` and ``1200`` are the same
number, ``6.5%`` is ``6.5``, and a hyphenated code with a digit (``1099-C``, ``W-2``) is
searchable as written and joined (``1099c``). Words are lower-cased and stemmed (Snowball
English), so "loans" matches "loan". Queries are also expanded with the acronyms of
``data/lexicon.yaml`` (both ways). Pure functions: the same text always gives the same
tokens, which is what lets a version's stored BM25 index answer today's queries.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from importlib.resources import files
from typing import Any

import Stemmer
import yaml
from pydantic import BaseModel, Field

_SECTION = re.compile(r"(\d{3}) ?\( ?([a-z]) ?\)")  # 401(k), 403 (b), 457(b)
_MONEY = re.compile(r"\$ ?(\d[\d,]*(?:\.\d+)?) ?(k|m)?\b")
# One pattern, split by kind below: a single branch scans several times faster.
_TOKEN = re.compile(r"[a-z0-9]+(?:[.,/'’-][a-z0-9]+)*")
_NUMBER = re.compile(r"\d+(?:[.,/]\d+)+")
_THOUSANDS = re.compile(r"^\d{1,3}(?:,\d{3})+(?:\.\d+)?$")
_MULTIPLIERS = {"k": 1_000, "m": 1_000_000}


class Lexicon(BaseModel):
    """``data/lexicon.yaml``: acronym expansions and stopwords."""

    version: int = Field(ge=1)
    acronyms: dict[str, str]
    stopwords: list[str]


@cache
def lexicon() -> Lexicon:
    raw: Any = yaml.safe_load(
        files("apfa.knowledge").joinpath("data", "lexicon.yaml").read_text(encoding="utf-8")
    )
    return Lexicon.model_validate(raw)


@cache
def _stemmer() -> Any:
    return Stemmer.Stemmer("english")


@cache
def _stopwords() -> frozenset[str]:
    return frozenset(lexicon().stopwords)


def _money(match: re.Match[str]) -> str:
    number = match.group(1).replace(",", "")
    unit = match.group(2)
    if unit:
        value = float(number) * _MULTIPLIERS[unit]
        number = str(int(value)) if value.is_integer() else str(value)
    return f" {number} "


def _words(text: str) -> list[str]:
    """Raw lower-case words and numbers, before stopwords and stemming."""
    text = text.lower().replace("\u2011", "-").replace("\u2013", "-").replace("\u2014", " ")
    if "(" in text:
        text = _SECTION.sub(r"\1\2", text)
    if "$" in text:
        text = _MONEY.sub(_money, text)
    words: list[str] = []
    for token in _TOKEN.findall(text):
        if token.isalnum():
            words.append(token)
        else:
            _split(token, words)
    return words


def _split(token: str, words: list[str]) -> None:
    """A token with separators: a number (``6.5``, ``5/6``, ``1,200``), a hyphenated or
    dotted compound, or a word with an apostrophe."""
    if _NUMBER.fullmatch(token):
        if _THOUSANDS.match(token):
            words.append(token.replace(",", ""))
        elif "," in token:  # "3,4" is a list, not a number
            words.extend(part for part in token.split(",") if part)
        else:
            words.append(token)
        return
    token = token.replace("'", "").replace("’", "")
    parts = [p for p in re.split(r"[.,/-]", token) if p]
    words.extend(parts)
    if len(parts) > 1 and "-" in token and any(c.isdigit() for c in token):
        words.append("".join(parts))


@cache
def _acronyms() -> frozenset[str]:
    return frozenset(lexicon().acronyms)


def _singular(word: str, acronyms: frozenset[str]) -> str:
    """ "CDs" -> "cd": the stemmer leaves a plural without a vowel as it is."""
    return word[:-1] if word.endswith("s") and word[:-1] in acronyms else word


def tokenize(text: str) -> list[str]:
    """The BM25 tokens of a passage (or of a query, before acronym expansion)."""
    stop = _stopwords()
    acronyms = _acronyms()
    kept = [_singular(w, acronyms) for w in _words(text) if w not in stop]
    stemmed: list[str] = _stemmer().stemWords(kept)
    return stemmed


def tokenize_many(texts: Sequence[str]) -> list[list[str]]:
    return [tokenize(text) for text in texts]


@cache
def _expansions() -> tuple[dict[str, list[str]], list[tuple[list[str], str]]]:
    """(acronym -> its expansion's tokens, [(expansion tokens, acronym token)])."""
    forward: dict[str, list[str]] = {}
    backward: list[tuple[list[str], str]] = []
    for short, long in lexicon().acronyms.items():
        expanded = tokenize(long)
        forward[short] = expanded
        backward.append((expanded, (tokenize(short) or [short])[0]))
    return forward, backward


def _contains(tokens: Sequence[str], phrase: Sequence[str]) -> bool:
    n = len(phrase)
    return n > 0 and any(list(tokens[i : i + n]) == list(phrase) for i in range(len(tokens)))


def query_tokens(query: str) -> list[str]:
    """A query's tokens plus its acronyms' expansions (and the acronym of any expansion it
    spells out)."""
    forward, backward = _expansions()
    tokens = tokenize(query)
    extra: list[str] = []
    acronyms = _acronyms()
    for word in _words(query):
        short = _singular(word, acronyms)
        if short in forward:
            extra.extend(forward[short])
    for phrase, short in backward:
        if short not in tokens and _contains(tokens, phrase):
            extra.append(short)
    return tokens + extra
