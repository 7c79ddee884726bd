"""The condition language of playbooks: small, safe and readable by a reviewer.

``ltv > 80 and known(pmi_monthly)``, ``loan_type == "student"``,
``not (interest_rate < 5 or unknown(apr))``: comparisons of a name (a fact or a figure)
with a number, another name or a quoted word; ``and``, ``or``, ``not`` and parentheses;
``known(name)`` and ``unknown(name)``; ``asked("first payment", "first year")``: the
question mentions one of the phrases (whole words, any case). Parsed once when playbooks
load (a syntax error names the playbook and the rule), evaluated against the values known
for a question. A comparison that reads an unknown value is false. Nothing is ever
``eval``-ed.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

Values = Mapping[str, object]

_TOKEN = re.compile(
    r"\s*(?:(?P<number>-?\d+(?:\.\d+)?)|(?P<word>\"[^\"]*\")|(?P<op>>=|<=|==|!=|>|<)"
    r"|(?P<paren>[()])|(?P<comma>,)|(?P<name>[A-Za-z_][A-Za-z0-9_]*))"
)
_COMPARE: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
}
_KEYWORDS = frozenset({"and", "or", "not", "known", "unknown", "asked"})
# Where a condition finds the question's text among the values (not a name a fact can have).
QUESTION = "question text"


class ConditionError(ValueError):
    """A condition that does not follow the grammar."""


@dataclass(frozen=True, slots=True)
class Token:
    kind: str
    text: str


def tokenize(text: str) -> list[Token]:
    tokens: list[Token] = []
    position = 0
    text = text.rstrip()
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise ConditionError(f"cannot read {text[position:]!r}")
        kind = match.lastgroup or ""
        tokens.append(Token(kind, match.group(kind)))
        position = match.end()
    return tokens


class Condition:
    """A parsed condition; ``holds(values)`` evaluates it, ``names`` lists what it reads."""

    def __init__(self, text: str) -> None:
        self.text = text
        self._tokens = tokenize(text)
        self._at = 0
        self.names: set[str] = set()
        if not self._tokens:
            raise ConditionError("empty condition")
        self._tree = self._or()
        if self._at != len(self._tokens):
            raise ConditionError(f"unexpected {self._tokens[self._at].text!r} in {text!r}")

    def holds(self, values: Values) -> bool:
        return self._tree(values)

    # -- recursive descent: or > and > not > atom ------------------------------------

    def _peek(self) -> Token | None:
        return self._tokens[self._at] if self._at < len(self._tokens) else None

    def _take(self) -> Token:
        token = self._peek()
        if token is None:
            raise ConditionError(f"{self.text!r} ends too early")
        self._at += 1
        return token

    def _is(self, kind: str, text: str | None = None) -> bool:
        token = self._peek()
        return token is not None and token.kind == kind and (text is None or token.text == text)

    def _or(self) -> Callable[[Values], bool]:
        parts = [self._and()]
        while self._is("name", "or"):
            self._take()
            parts.append(self._and())
        return parts[0] if len(parts) == 1 else lambda v: any(p(v) for p in parts)

    def _and(self) -> Callable[[Values], bool]:
        parts = [self._not()]
        while self._is("name", "and"):
            self._take()
            parts.append(self._not())
        return parts[0] if len(parts) == 1 else lambda v: all(p(v) for p in parts)

    def _not(self) -> Callable[[Values], bool]:
        if self._is("name", "not"):
            self._take()
            inner = self._not()
            return lambda v: not inner(v)
        return self._atom()

    def _atom(self) -> Callable[[Values], bool]:
        if self._is("paren", "("):
            self._take()
            inner = self._or()
            if not self._is("paren", ")"):
                raise ConditionError(f"missing ')' in {self.text!r}")
            self._take()
            return inner
        if self._is("name", "known") or self._is("name", "unknown"):
            return self._presence()
        if self._is("name", "asked"):
            return self._asked()
        left = self._operand()
        token = self._take()
        if token.kind != "op":
            raise ConditionError(f"expected a comparison after {self.text!r}'s first value")
        right = self._operand()
        compare = _COMPARE[token.text]

        def test(values: Values) -> bool:
            a, b = left(values), right(values)
            if a is None or b is None:
                return False
            a, b = _comparable(a), _comparable(b)
            if isinstance(a, str) != isinstance(b, str):
                return token.text == "!="
            return compare(a, b)

        return test

    def _presence(self) -> Callable[[Values], bool]:
        wanted = self._take().text == "known"
        if not self._is("paren", "("):
            raise ConditionError(f"known/unknown need (name) in {self.text!r}")
        self._take()
        name = self._take()
        if name.kind != "name" or name.text in _KEYWORDS or not self._is("paren", ")"):
            raise ConditionError(f"known/unknown take one name in {self.text!r}")
        self._take()
        self.names.add(name.text)
        return lambda v: (v.get(name.text) is not None) == wanted

    def _asked(self) -> Callable[[Values], bool]:
        self._take()
        if not self._is("paren", "("):
            raise ConditionError(f'asked needs ("phrase", ...) in {self.text!r}')
        self._take()
        phrases: list[str] = []
        while True:
            token = self._take()
            if token.kind != "word" or not token.text[1:-1].strip():
                raise ConditionError(f"asked takes quoted phrases in {self.text!r}")
            phrases.append(r"\s+".join(map(re.escape, token.text[1:-1].split())))
            if self._is("paren", ")"):
                self._take()
                break
            if not self._is("comma"):
                raise ConditionError(f"asked: phrases are separated by commas in {self.text!r}")
            self._take()
        pattern = re.compile(r"(?<!\w)(?:" + "|".join(phrases) + r")(?!\w)", re.IGNORECASE)

        def test(values: Values) -> bool:
            text = values.get(QUESTION)
            return isinstance(text, str) and pattern.search(text) is not None

        return test

    def _operand(self) -> Callable[[Values], object]:
        token = self._take()
        if token.kind == "number":
            number = Decimal(token.text)
            return lambda _: number
        if token.kind == "word":
            word = token.text[1:-1]
            return lambda _: word
        if token.kind == "name" and token.text not in _KEYWORDS:
            name = token.text
            self.names.add(name)
            return lambda v: v.get(name)
        raise ConditionError(f"unexpected {token.text!r} in {self.text!r}")


def _comparable(value: object) -> Decimal | str:
    if isinstance(value, Decimal | str):
        return value
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float):
        try:
            return Decimal(str(value))
        except InvalidOperation:  # pragma: no cover - str(float) always parses
            return str(value)
    return str(value)
