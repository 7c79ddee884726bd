"""Checks an LLM answer against what it was given before anyone sees it.

Every figure in the text (money, percentages, and plain numbers of 10 or more; citation
markers and years aside) must be a computed value, written as the grounded wording writes
it or rounded from it ($1,896.20 or $1,896 for 1896.2; 33.1% or 33.12% for 0.3312; 6.5%
for an interest rate of 6.5), or must appear in the text of a passage the answer cites or
in the assumptions it was given. Every citation must name a passage that exists, and an
answer given passages must cite at least one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from apfa.providers.llm import Figure, GenerationRequest

CITATION = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_FIGURE = re.compile(
    r"(?<![\w.,$])(?P<dollar>\$\s?)?"
    r"(?P<num>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:(?P<percent>\s?%|\s?per\s?cent\b)|\s?(?P<scale>k|K|million|billion)\b)?"
)
_SCALES = {"k": 1e3, "K": 1e3, "million": 1e6, "billion": 1e9}
_YEARS = range(1900, 2101)
PLAIN_MINIMUM = 10


@dataclass(frozen=True, slots=True)
class Quantity:
    text: str
    value: float
    percent: bool
    tolerance: float
    checked: bool


@dataclass(frozen=True, slots=True)
class Verdict:
    problem: str | None
    cited: tuple[int, ...]

    @property
    def ok(self) -> bool:
        return self.problem is None


def citations(text: str) -> list[int]:
    return [int(n) for group in CITATION.findall(text) for n in group.split(",")]


def figures(text: str) -> list[Quantity]:
    found: list[Quantity] = []
    for match in _FIGURE.finditer(CITATION.sub(" ", text)):
        digits = match["num"].replace(",", "")
        scale = _SCALES.get(match["scale"] or "", 1.0)
        decimals = len(digits.partition(".")[2])
        value = float(digits) * scale
        money, percent = bool(match["dollar"]), bool(match["percent"])
        is_year = not (money or percent or match["scale"] or "." in digits or "," in match["num"])
        is_year = is_year and int(digits) in _YEARS
        checked = (money or percent or scale > 1 or value >= PLAIN_MINIMUM) and not is_year
        tolerance = 0.5 * 10.0**-decimals * scale + 1e-9
        found.append(Quantity(match.group().strip(), value, percent, tolerance, checked))
    return found


def _metric_values(metrics: Mapping[str, Figure]) -> tuple[list[float], list[float]]:
    """Plain candidates and percent candidates; a fraction 0.3312 may read as 33.12%."""
    plain: list[float] = []
    for value in metrics.values():
        if isinstance(value, int | float) and not isinstance(value, bool):
            plain.append(float(value))
    return plain, [*plain, *(v * 100 for v in plain)]


def _matches(figure: Quantity, candidates: Iterable[float]) -> bool:
    return any(abs(c - figure.value) <= figure.tolerance for c in candidates)


def verify(text: str, request: GenerationRequest) -> Verdict:
    numbers = {p.n for p in request.passages}
    cited = sorted(set(citations(text)))
    unknown = [n for n in cited if n not in numbers]
    if unknown:
        return Verdict(f"citation [{unknown[0]}] has no source", tuple(cited))
    if numbers and not cited:
        return Verdict("no citations", ())
    plain, percent = _metric_values(request.metrics)
    quoted = [
        f.value
        for source in (
            *(p.text for p in request.passages if p.n in cited),
            *request.assumptions,
        )
        for f in figures(source)
    ]
    for figure in figures(text):
        if not figure.checked:
            continue
        if _matches(figure, percent if figure.percent else plain) or _matches(figure, quoted):
            continue
        return Verdict(f"invented figure {figure.text}", tuple(cited))
    return Verdict(None, tuple(cited))
