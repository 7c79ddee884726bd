"""An advice answer as served and cached: the body serialised once (a cache hit splices in
only the per-request fields), the cache key and codec, and the citation of a passage."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from apfa.advice.schemas import AdviceBody, Citation, ProfileIn
from apfa.knowledge.index.store import Hit

CACHE_KIND = "advice"
_SEPARATOR = "\x1f"
SNIPPET_CHARS = 320


def cache_key(
    question: str,
    profile: ProfileIn | None,
    version: int | None,
    chain: tuple[str, ...] = ("grounded",),
    market: str = "",
) -> str:
    """The answer cache's key: the question with case and spacing normalised, the given
    profile (serialised in the model's field order, so the same profile always gives the
    same text), the index version, the generator chain and, when figures are stored, the
    market snapshot's stamp. The parts are joined with a control character that validation
    keeps out of questions."""
    normalised = " ".join(question.lower().split())
    given = profile.model_dump_json(exclude_none=True) if profile is not None else "{}"
    parts = (normalised, given, str(version), ",".join(chain), *((market,) if market else ()))
    payload = _SEPARATOR.join(parts)
    return hashlib.sha256(payload.encode()).hexdigest()


def _snippet(text: str) -> str:
    return text if len(text) <= SNIPPET_CHARS else text[: SNIPPET_CHARS - 1].rstrip() + "…"


def citation(n: int, hit: Hit) -> Citation:
    return Citation(
        n=n,
        document_id=hit.passage.document_id,
        title=hit.passage.title,
        section=" > ".join(hit.passage.heading_path) or None,
        snippet=_snippet(hit.passage.text),
        score=round(hit.score, 4),
        source=hit.passage.source,
    )


def members_digest(members: bytes) -> str:
    """The name an answer's members are stored under in the history (``AdviceAnswer``)."""
    return hashlib.sha256(members).hexdigest()


@dataclass(frozen=True, slots=True)
class Answer:
    """An answer, serialised once: a cache hit only splices in the per-request fields.
    ``digest`` is ``members_digest(members_json)``, computed once with the members."""

    body: AdviceBody
    members_json: bytes
    digest: str
    cached: bool
    latency_ms: float

    def envelope(self, user: str, request_id: str | None) -> dict[str, Any]:
        return {
            "user": user,
            "request_id": request_id,
            "cached": self.cached,
            "latency_ms": self.latency_ms,
        }

    def render(self, user: str, request_id: str | None, **extra: Any) -> bytes:
        """The response: the members, then the per-request fields (and ``extra``, e.g. a
        conversation message's ``message_id``)."""
        envelope = {**self.envelope(user, request_id), **extra}
        tail = json.dumps(envelope, separators=(",", ":"))
        return b"{" + self.members_json + b"," + tail[1:].encode()

    @property
    def body_json(self) -> bytes:
        """The answer alone as a JSON document (what the history stores)."""
        return b"{" + self.members_json + b"}"

    def tail(self, rendered: bytes) -> bytes:
        """What ``rendered`` (from ``render``) adds after the members and their comma."""
        return rendered[len(self.members_json) + 2 :]


# A cached answer: the body, its JSON members and their digest.
Stored = tuple[AdviceBody, bytes, str]


class AnswerCodec:
    """L2 holds an answer's JSON members. Reading them back validates and re-serialises
    them, so what is spliced into a response always has this release's schema (and is byte
    for byte what the process that computed it served, when the schemas agree)."""

    def encode(self, value: Stored) -> bytes:
        return value[1]

    def decode(self, data: bytes) -> Stored:
        body = AdviceBody.model_validate_json(b"{" + data + b"}")
        members = body.model_dump_json().encode()[1:-1]
        return body, members, members_digest(members)


ANSWER_CODEC = AnswerCodec()
