"""The grounded generator: deterministic, extractive, needs no LLM.

It answers with the passage sentences that best match the question, each followed by
the number of the passage it came from, then the person's computed figures with the
assumptions behind them, then next steps. Every figure it writes is either quoted from a
cited passage or computed by ``apfa.finance``: nothing is invented.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from apfa.advice.wording import figure_lines, next_steps
from apfa.knowledge.chunking import split_sentences
from apfa.knowledge.index.store import Hit

DISCLAIMER = (
    "APFA gives general educational information, not individualised financial, legal or "
    "tax advice. Figures are estimates computed from the information you gave and the "
    "assumptions listed; confirm rates, terms and eligibility with a licensed lender or "
    "adviser before you decide."
)

_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "been",
        "but",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "get",
        "got",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "should",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "up",
        "us",
        "was",
        "we",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "im",
        "ive",
        "about",
        "into",
        "much",
        "many",
        "any",
        "some",
        "more",
        "most",
        "want",
        "need",
        "know",
        "tell",
        "explain",
    ]
)
MAX_SENTENCES = 4
MIN_WORDS, MAX_WORDS = 6, 70
# Worked examples and lead-ins read badly out of context, so they are never quoted.
_NOT_STANDALONE = re.compile(
    r"^(consider|suppose|imagine|say|assume|assuming|for example|for instance|example|"
    r"worked example|here is|here's|the following|as an example|in this example)\b",
    re.IGNORECASE,
)
RELATIVE_FLOOR = 0.5
# Dollar figures in a passage belong to its examples; the reader's own figures are
# computed separately, so such sentences are quoted only when nothing better matches.
_DOLLARS = re.compile(r"\$\s?\d")
DOLLAR_PENALTY = 0.5


@dataclass(frozen=True, slots=True)
class CitedPassage:
    n: int
    hit: Hit


@dataclass(frozen=True, slots=True)
class Draft:
    text: str
    cited: list[CitedPassage]


def _terms(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {w.removesuffix("s") if len(w) > 4 else w for w in words if w not in _STOPWORDS}


def _sentence_score(sentence: str, query_terms: set[str]) -> float:
    words = _WORD.findall(sentence.lower())
    stripped = sentence.strip()
    if not (MIN_WORDS <= len(words) <= MAX_WORDS) or stripped.endswith((":", ";", ",")):
        return 0.0
    if _NOT_STANDALONE.match(stripped.lstrip("-*• ")):
        return 0.0
    overlap = _terms(sentence) & query_terms
    weight = sum(1.5 if len(t) >= 6 else 1.0 for t in overlap)
    penalty = DOLLAR_PENALTY if _DOLLARS.search(sentence) else 1.0
    return penalty * weight / math.sqrt(len(words))


def _too_similar(candidate: set[str], chosen: Sequence[set[str]]) -> bool:
    return any(len(candidate & c) / max(1, len(candidate | c)) > 0.6 for c in chosen)


def select_sentences(question: str, hits: Sequence[Hit]) -> list[tuple[str, int]]:
    """Best sentences as (sentence, index into hits), at most one per passage, by rank."""
    query_terms = _terms(question)
    picked: list[tuple[str, int]] = []
    picked_terms: list[set[str]] = []
    floor = 0.0
    for rank, hit in enumerate(hits):
        scored = [(_sentence_score(s, query_terms), s) for s in split_sentences(hit.passage.text)]
        if not scored:
            continue
        score, best = max(scored, key=lambda item: item[0])
        if score <= 0 or score < floor:
            continue
        floor = max(floor, score * RELATIVE_FLOOR)
        terms = _terms(best)
        if _too_similar(terms, picked_terms):
            continue
        picked.append((best.strip(), rank))
        picked_terms.append(terms)
        if len(picked) == MAX_SENTENCES:
            break
    if not picked and hits:
        first = next((s for s in split_sentences(hits[0].passage.text) if s.strip()), "")
        if first:
            picked.append((first.strip(), 0))
    return picked


class GroundedGenerator:
    name = "grounded"

    def compose(
        self,
        question: str,
        hits: Sequence[Hit],
        metrics: Mapping[str, float | int | str],
        assumptions: Sequence[str],
        risk_reasons: Sequence[str],
        *,
        index_available: bool = True,
    ) -> Draft:
        sentences = select_sentences(question, hits)
        numbering: dict[int, int] = {}
        for _, rank in sentences:
            numbering.setdefault(rank, len(numbering) + 1)
        parts: list[str] = [self._answer(sentences, numbering, index_available)]
        figures = figure_lines(metrics)
        if figures:
            parts.append("Your numbers:\n" + "\n".join(f"- {line}" for line in figures))
        if risk_reasons:
            parts.append("What lenders will notice:\n" + "\n".join(f"- {r}" for r in risk_reasons))
        if assumptions:
            parts.append("Assumptions:\n" + "\n".join(f"- {a}" for a in assumptions))
        parts.append(
            "Next steps:\n" + "\n".join(f"- {s}" for s in next_steps(metrics, bool(figures)))
        )
        cited = [CitedPassage(n, hits[rank]) for rank, n in numbering.items()]
        return Draft("\n\n".join(parts), sorted(cited, key=lambda c: c.n))

    @staticmethod
    def _answer(
        sentences: Sequence[tuple[str, int]], numbering: Mapping[int, int], index_available: bool
    ) -> str:
        if not index_available:
            return (
                "The knowledge base is not available right now, so this answer cites no "
                "sources; the figures below are computed from your details alone."
            )
        if not sentences:
            return (
                "I found nothing in the knowledge base that answers this question directly, "
                "so this answer cites no sources."
            )
        return " ".join(f"{text} [{numbering[rank]}]" for text, rank in sentences)
