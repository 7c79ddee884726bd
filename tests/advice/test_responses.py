"""How advice answers go on the wire: gzip-encoded exactly when the GZip middleware would
encode them, decoding to the same JSON as the plain answer."""

from __future__ import annotations

import gzip
import json

import httpx

from apfa.auth.permissions import Role
from support import bearer

ENVELOPE = ("request_id", "latency_ms", "cached")


def _without_envelope(answer: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in answer.items() if k not in ENVELOPE}


async def test_gzip_and_plain_answers_carry_the_same_json(
    client: httpx.AsyncClient, tokens: dict[Role, str]
) -> None:
    body = {"query": "How is the back-end debt-to-income ratio calculated for a mortgage?"}
    token = tokens[Role.USER]
    answers = []
    for encoding in ("gzip, deflate", "identity", "gzip", "br;q=1, gzip;q=0.5"):
        headers = {**bearer(token), "Accept-Encoding": encoding}
        async with client.stream("POST", "/api/v1/advice", json=body, headers=headers) as reply:
            raw = b"".join([chunk async for chunk in reply.aiter_raw()])
        assert reply.status_code == 200
        assert reply.headers["vary"] == "Accept-Encoding"
        assert reply.headers["content-type"] == "application/json"
        assert int(reply.headers["content-length"]) == len(raw)
        if "gzip" in encoding:
            assert reply.headers["content-encoding"] == "gzip"
            decoded = gzip.decompress(raw)
            assert len(raw) < len(decoded) / 2
        else:
            assert "content-encoding" not in reply.headers
            decoded = raw
        answer = json.loads(decoded)
        assert answer["request_id"] == reply.headers["x-request-id"]
        answers.append(answer)
    assert [a["cached"] for a in answers] == [False, True, True, True]
    first = _without_envelope(answers[0])
    assert all(_without_envelope(a) == first for a in answers[1:])


async def test_small_error_bodies_are_never_encoded(client: httpx.AsyncClient) -> None:
    reply = await client.post(
        "/api/v1/advice", json={"query": ""}, headers={"Accept-Encoding": "gzip"}
    )
    assert reply.status_code == 401
    assert "content-encoding" not in reply.headers
