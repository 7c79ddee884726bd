"""Free text -> ``LoanProfile`` fields, with regular expressions. Pure, fast, never raises.

``extract_profile(text).fields`` uses exactly the ``apfa.finance.LoanProfile`` field names:
money as ``float`` (cents), ``interest_rate`` as a percent ``float``, ``credit_score`` and
``term_years`` as ``int``, ``loan_type`` as one of mortgage | auto | personal | student | heloc |
refinance. ``matches`` explains every value read (and every value ignored), e.g.
``'annual_income=85000 from "make $85k a year"'``.

Rules worth knowing:

* Amounts: ``$85,000``, ``85000``, ``$85k``, ``85K``, ``85 grand``, ``$1.2 million``, ``1.5m``.
* Income without a period is annual; ``a month``/``monthly`` x12, ``a week`` x52,
  ``biweekly`` x26, ``an hour`` x2080.
  Take-home pay ("take home", "bring home") is not gross income and is not read here.
* Debt payments are monthly and summed across phrases ("car payment of $450 and $200 a month in
  credit card payments" -> 650); a yearly figure is divided by 12.
* ``N% down`` becomes ``down_payment = home_price * N%`` (or, with only a loan amount, the home
  price is derived as ``loan / (1 - N%)``).
* Ranges: credit score 300-850, rate 0-30 (percent), term 1-50 years (months must be whole
  years), money 0 to 1e12. Out-of-range values are skipped and reported in ``matches``.
* The first value read for a field wins; later different values are reported and dropped.
* Loan type: refinance and HELOC words win (they qualify a mortgage); otherwise the earliest
  explicit phrase ("car loan", "buy a house", "mortgage", "student loan", "personal loan"), then
  the earliest bare keyword (house/home/condo -> mortgage, car/auto/vehicle -> auto). Words inside
  a debt-payment or income phrase ("my car payment is $450") do not count.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from apfa.advice.extraction_grammar import (
    ASCII_LOWER,
    CREDIT,
    CREDIT_RANGE,
    DEBTS,
    DOWN_AMT,
    DOWN_PCT,
    HOME,
    INCOME,
    LOAN,
    MAX_CHARS,
    MAX_MONEY,
    MONEY_FIELDS,
    NUMBER_START,
    PERIODS,
    PUNCT,
    RATE,
    RATE_RANGE,
    SUFFIX,
    TERM,
    TERM_RANGE,
    TYPE_OVERRIDES,
    TYPE_STRONG,
    TYPE_WEAK,
    Rule,
)

FieldValue = float | int | str


@dataclass(frozen=True)
class ExtractedProfile:
    """``fields`` keyed by ``LoanProfile`` field names; ``matches`` says what was read."""

    fields: dict[str, FieldValue] = field(default_factory=dict)
    matches: list[str] = field(default_factory=list)
    # (start, end) of every phrase read, in the normalised text (``normalise``).
    spans: list[tuple[int, int]] = field(default_factory=list)
    down_pct: Decimal | None = None  # "20% down", whether or not a price was there to apply it


def _money(m: re.Match[str]) -> Decimal:
    value = Decimal(m.group("a").replace(",", ""))
    suffix = (m.group("a_s") or m.group("a_w") or "").lower()
    return value.scaleb(SUFFIX.get(suffix, 0))


def _period_factor(m: re.Match[str]) -> int | None:
    """Periods per year for the matched period phrase, ``None`` when there is none."""
    text = (m.groupdict().get("per") or "").lower()
    if not text:
        return None
    return next((factor for key, factor in PERIODS if key in text), 1)


def _fmt(value: FieldValue) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


class _Reader:
    def __init__(self, text: str) -> None:
        self.text = text
        self.masked = text.translate(ASCII_LOWER)  # same length, so spans line up
        self.numbers = [m.start() for m in NUMBER_START.finditer(self.masked)]
        self.fields: dict[str, FieldValue] = {}
        self.matches: list[str] = []
        self.spans: list[tuple[int, int]] = []

    def snippet(self, m: re.Match[str]) -> str:
        return " ".join(self.text[m.start() : m.end()].split())[:80]

    def consume(self, m: re.Match[str]) -> None:
        start, end = m.span()
        self.masked = self.masked[:start] + " " * (end - start) + self.masked[end:]

    def find(self, rule: Rule) -> list[re.Match[str]]:
        """Non-overlapping matches of one rule, earliest first."""
        text, found = self.masked, list[re.Match[str]]()
        if rule.at_numbers:
            regex, end = rule.regexes[0], -1
            for pos in self.numbers:
                if pos >= end and (m := regex.match(text, pos)):
                    found.append(m)
                    end = m.end()
            return found
        for regex in rule.regexes:
            found.extend(
                m
                for m in regex.finditer(text)
                if m.start() == 0 or not text[m.start() - 1].isalnum()
            )
        found.sort(key=lambda m: m.start())
        result, end = list[re.Match[str]](), -1
        for m in found:
            if m.start() >= end:
                result.append(m)
                end = m.end()
        return result

    def scan(self, rules: Iterable[Rule]) -> list[re.Match[str]]:
        """Matches of ``rules`` (earlier rules win overlaps), consumed, in text order."""
        found: list[re.Match[str]] = []
        taken = bytearray(len(self.masked))
        for rule in rules:
            for m in self.find(rule):
                start, end = m.span()
                if taken.find(1, start, end) == -1:
                    found.append(m)
                    taken[start:end] = b"\x01" * (end - start)
        found.sort(key=lambda m: m.start())
        for m in found:
            self.consume(m)
        return found

    def first(self, rule: Rule) -> re.Match[str] | None:
        found = self.find(rule)
        return found[0] if found else None

    def put(self, name: str, value: FieldValue, m: re.Match[str]) -> None:
        if name in MONEY_FIELDS and isinstance(value, float) and value > MAX_MONEY:
            self.reject(name, _fmt(value), m, "implausibly large")
            return
        where = f'from "{self.snippet(m)}"'
        self.spans.append(m.span())
        if name not in self.fields:
            self.fields[name] = value
            self.matches.append(f"{name}={_fmt(value)} {where}")
        elif self.fields[name] != value:
            self.matches.append(f"also read {name}={_fmt(value)} {where}; kept the first value")

    def reject(self, name: str, raw: str, m: re.Match[str], why: str) -> None:
        self.matches.append(f'ignored {name}={raw} from "{self.snippet(m)}": {why}')

    def each(
        self,
        name: str,
        rules: Iterable[Rule],
        convert: Callable[[re.Match[str]], FieldValue | None],
    ) -> None:
        for m in self.scan(rules):
            value = convert(m)
            if value is not None:
                self.put(name, value, m)


def _cents(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP))


def _read_income(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue:
        factor = _period_factor(m)
        if factor is None:
            pre = (m.groupdict().get("pre") or "").lower()
            factor = 12 if pre == "monthly" else 1
        return _cents(_money(m) * factor)

    r.each("annual_income", INCOME, convert)


# "cosign a loan with a $450/mo payment": a loan being weighed, not a debt already paid.
_PROSPECTIVE = re.compile(r"\bco-?\s?sign\w*\b[^.?!]*$", re.IGNORECASE)


def _read_debts(r: _Reader) -> None:
    """Sum every debt-payment phrase (a phrase repeated word for word is counted once)."""
    total, parts = Decimal(0), list[str]()
    for m in r.scan(DEBTS):
        if _PROSPECTIVE.search(r.text, max(0, m.start() - 60), m.start()):
            continue  # a payment someone is asked to take on, not one they pay today
        snippet = r.snippet(m)
        if snippet.lower() in (p.lower() for p in parts):
            r.matches.append(f'counted "{snippet}" once although it appears again')
            continue
        total += _money(m) * (_period_factor(m) or 12) / 12
        parts.append(snippet)
        r.spans.append(m.span())
    quoted = " + ".join(f'"{p}"' for p in parts)
    if parts and total > MAX_MONEY:
        r.matches.append(f"ignored monthly_debt_payments from {quoted}: implausibly large")
    elif parts:
        r.fields["monthly_debt_payments"] = _cents(total)
        r.matches.append(f"monthly_debt_payments={_fmt(_cents(total))} from {quoted}")


def _read_credit(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        score = int(m.group("n"))
        if CREDIT_RANGE[0] <= score <= CREDIT_RANGE[1]:
            return score
        r.reject("credit_score", str(score), m, "outside 300-850")
        return None

    r.each("credit_score", CREDIT, convert)


def _read_rate(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        rate = Decimal(m.group("r"))
        if RATE_RANGE[0] <= rate <= RATE_RANGE[1]:
            return float(rate)
        r.reject("interest_rate", m.group("r"), m, "outside 0-30%")
        return None

    r.each("interest_rate", RATE, convert)


def _read_term(r: _Reader) -> None:
    def convert(m: re.Match[str]) -> FieldValue | None:
        n, unit = int(m.group("n")), m.group("u").lower()
        if unit.startswith("m"):
            if n % 12:
                r.reject("term_years", f"{n} months", m, "not a whole number of years")
                return None
            n //= 12
        if TERM_RANGE[0] <= n <= TERM_RANGE[1]:
            return n
        r.reject("term_years", str(n), m, "outside 1-50 years")
        return None

    r.each("term_years", TERM, convert)


Span = tuple[int, int]


def _read_down_and_home(r: _Reader) -> tuple[Decimal, Span] | None:
    """Home price and down payment; returns a down-payment percent still to resolve, and
    where it was read."""
    r.each("down_payment", DOWN_AMT, lambda m: _cents(_money(m)))
    pct: tuple[Decimal, Span] | None = None
    for m in r.scan(DOWN_PCT):
        value = Decimal(m.group("r"))
        if value > 100:
            r.reject("down_payment", f"{value}%", m, "more than 100%")
        elif pct is None:
            pct = value, m.span()
            r.spans.append(m.span())
            r.matches.append(f'down payment {_fmt(float(value))}% from "{r.snippet(m)}"')
    r.each("home_price", HOME, lambda m: _cents(_money(m)))
    return pct


def _resolve_percent(r: _Reader, pct: Decimal, span: Span) -> None:
    """The down payment in dollars from ``pct``; a percent with no price or loan to apply
    it to gives up its span, so a reader of the rest of the text (``reading``) can keep it
    as a percent (a follow-up's "what if I put 20% down?")."""
    fields = r.fields
    if "down_payment" in fields:
        r.matches.append("kept the down payment amount over the percentage")
        return
    price = fields.get("home_price")
    loan = fields.get("loan_amount")
    if isinstance(price, float):
        fields["down_payment"] = _cents(Decimal(str(price)) * pct / 100)
        r.matches.append(
            f"down_payment={_fmt(fields['down_payment'])} = {_fmt(float(pct))}% "
            f"of home_price={_fmt(price)}"
        )
    elif isinstance(loan, float) and pct < 100 and loan / (1 - float(pct) / 100) <= MAX_MONEY:
        home = Decimal(str(loan)) / (1 - pct / 100)
        fields["home_price"] = _cents(home)
        fields["down_payment"] = _cents(home - Decimal(str(loan)))
        r.matches.append(
            f"home_price={_fmt(fields['home_price'])} derived from loan_amount="
            f"{_fmt(loan)} with {_fmt(float(pct))}% down"
        )
    else:
        r.matches.append(f"{_fmt(float(pct))}% down noted, but no home price to apply it to")
        r.spans.remove(span)


def _read_loan_type(r: _Reader) -> None:
    for kind, rule in TYPE_OVERRIDES:
        if m := r.first(rule):
            r.put("loan_type", kind, m)
            return
    for group in (TYPE_STRONG, TYPE_WEAK):
        hits = [(m.start(), kind, m) for kind, rule in group if (m := r.first(rule))]
        if hits:
            _, kind, m = min(hits, key=lambda h: h[0])
            r.put("loan_type", kind, m)
            return


def normalise(text: str) -> str:
    """The text extraction reads: NFKC, curly quotes and dashes made plain."""
    return _normalise(text)


def _normalise(text: str) -> str:
    return unicodedata.normalize("NFKC", text).translate(PUNCT)


def _extract(text: str) -> ExtractedProfile:
    r = _Reader(_normalise(text[:MAX_CHARS])[:MAX_CHARS])
    if len(text) > MAX_CHARS:
        r.matches.append(f"only the first {MAX_CHARS} characters were read")
    _read_debts(r)
    _read_income(r)
    type_text = r.masked  # loan-type words inside debt or income phrases do not count
    down_pct = _read_down_and_home(r)
    _read_credit(r)
    _read_rate(r)
    _read_term(r)
    r.each("loan_amount", LOAN, lambda m: _cents(_money(m)))
    if down_pct is not None:
        _resolve_percent(r, *down_pct)
    r.masked = type_text
    _read_loan_type(r)
    return ExtractedProfile(
        fields=r.fields,
        matches=r.matches,
        spans=sorted(r.spans),
        down_pct=down_pct[0] if down_pct is not None else None,
    )


def extract_profile(text: str) -> ExtractedProfile:
    """Read loan-profile fields from free text; never raises (bad input gives no fields)."""
    if not isinstance(text, str):
        return ExtractedProfile(matches=["input is not text; nothing read"])
    try:
        return _extract(text)
    except Exception as exc:  # the contract is "never raises"; tests assert this path is unused
        return ExtractedProfile(matches=[f"extraction failed ({type(exc).__name__}); nothing read"])
