"""Coherent text from knowledge-base passages, to cite as the "why" of an answer.

A passage is quoted as a run of its own sentences, kept together and in order: the best
run of up to ``MAX_SENTENCES`` consecutive sentences that answers the question. Worked
examples, lead-ins, list fragments, headings and sentences too close to text already in
the answer are never quoted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from apfa.knowledge.chunking import split_sentences

MAX_SENTENCES = 3
MIN_WORDS, MAX_WORDS = 6, 60
_WORD = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")
_NOT_QUOTABLE = re.compile(
    r"^(?:consider|suppose|imagine|say|assume|assuming|for example|for instance|example|"
    r"worked example|here is|here's|the following|as an example|in this example|"
    r"[a-z ]*example:|\d+[.)]\s|[-*•]\s|#)",
    re.IGNORECASE,
)
_DOLLARS = re.compile(r"\$\s?\d")
# Sentences about the labelled cases of a worked example ("Debt B is paid off in month 12").
_LABELLED = re.compile(
    r"\b(?:[Dd]ebt|[Cc]ard|[Ll]oan|[Oo]ption|[Bb]orrower|[Bb]uyer|[Pp]erson|[Ss]cenario|[Pp]lan)"
    r"\s[A-D]\b"
)
_STOP = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "do",
        "does",
        "for",
        "from",
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
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
        "about",
        "into",
        "much",
        "many",
        "more",
        "most",
    ]
)


def terms(text: str) -> set[str]:
    words = _WORD.findall(text.lower())
    return {w.removesuffix("s") if len(w) > 4 else w for w in words if w not in _STOP}


def quotable(sentence: str) -> bool:
    stripped = sentence.strip()
    words = _WORD.findall(stripped.lower())
    if not (MIN_WORDS <= len(words) <= MAX_WORDS):
        return False
    if stripped.endswith((":", ";", ",")) or _NOT_QUOTABLE.match(stripped):
        return False
    return not (_DOLLARS.search(stripped) or _LABELLED.search(stripped))


def similar(a: set[str], b: set[str], limit: float = 0.55) -> bool:
    return bool(a) and bool(b) and len(a & b) / len(a | b) > limit


def best_run(text: str, query: set[str], avoid: Sequence[set[str]] = ()) -> str | None:
    """The best run of consecutive quotable sentences of ``text`` for ``query``."""
    sentences = [s.strip() for s in split_sentences(text) if s.strip()]
    best: tuple[float, int, int] | None = None
    for start, sentence in enumerate(sentences):
        if not quotable(sentence) or any(similar(terms(sentence), seen) for seen in avoid):
            continue
        score, end = 0.0, start
        for end in range(start, min(start + MAX_SENTENCES, len(sentences))):
            candidate = sentences[end]
            if not quotable(candidate) or any(similar(terms(candidate), s) for s in avoid):
                end -= 1
                break
            score += len(terms(candidate) & query) + (0.5 if end == start else 0.0)
        if end < start:
            continue
        if best is None or score > best[0]:
            best = (score, start, end)
    if best is None or best[0] <= 0.5:
        return None
    _, start, end = best
    return " ".join(sentences[start : end + 1])


def best_sentence(texts: Iterable[str], statement: str) -> str | None:
    """The passage (of ``texts``) that best supports ``statement``, for its citation."""
    wanted = terms(statement)
    scored = [(len(terms(t) & wanted), t) for t in texts]
    scored = [item for item in scored if item[0] > 0]
    return max(scored, key=lambda item: item[0])[1] if scored else None


_BUNDLED = "bundled:"  # the source key of a bundled document: ``bundled:<name>.md``


def off_plan(key: str | None, sources: set[str]) -> bool:
    """A bundled document (``bundled:pmi-and-mip.md``) that no playbook of the plan cites;
    an uploaded one is never off the plan."""
    if key is None or not key.startswith(_BUNDLED):
        return False
    return key.removeprefix(_BUNDLED).removesuffix(".md") not in sources
