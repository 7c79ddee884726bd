"""Every parser of client input, fed arbitrary bytes and text: each returns, or raises the
exception that becomes its documented 4xx, within a per-input time budget, so a parser
that turns super-linear on some input (issue #18's regex) fails here."""

from __future__ import annotations

from collections.abc import Coroutine
from datetime import timedelta
from typing import Any, TypeVar

from fastapi import HTTPException
from fastapi.exceptions import RequestValidationError
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from starlette.requests import Request
from starlette.types import Message

from apfa.advice.reading.read import read_facts
from apfa.advice.schemas import QUESTION_MAX_CHARS, LoanQuery
from apfa.core.bodies import read_json_body
from apfa.core.errors import InvalidInput
from apfa.core.pagination import MAX_ID, decode_cursor, encode_cursor
from apfa.documents.exceptions import Rejection
from apfa.documents.sniffing import ACCEPTED, HEAD_BYTES, TextProbe, detect

T = TypeVar("T")
# Generous for a shared machine; an exponential parser needs seconds on these inputs.
BUDGET = settings(
    max_examples=60,
    deadline=timedelta(milliseconds=750),
    suppress_health_check=[HealthCheck.too_slow],
)
HTML_PIECES = ["<!--", "-->", "<!-- -->", "<?xml", ">", "<", " ", "\n", "html", "<p>", "<body"]
JSON_PIECES = ["[", "]", "{", "}", '"query"', ":", ",", '"', "9" * 50, "\\u", "\\ud800", "1e"]
JSON_PIECES += ["\xff", "\xed\xa0\x80", "null", "true", "-", "0", ".", " "]


def pieces(alphabet: list[str], max_size: int) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(alphabet), max_size=max_size).map("".join)


def now(coroutine: Coroutine[Any, Any, T]) -> T:
    """The result of a coroutine that never suspends (a request whose body is in memory)."""
    try:
        coroutine.send(None)
    except StopIteration as finished:
        result: T = finished.value
        return result
    coroutine.close()
    raise AssertionError("the coroutine suspended")


def json_request(body: bytes, content_type: str = "application/json") -> Request:
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    headers = [(b"content-type", content_type.encode())]
    return Request({"type": "http", "method": "POST", "headers": headers}, receive)


@BUDGET
@given(data=st.binary(max_size=HEAD_BYTES) | pieces(HTML_PIECES, 2000).map(str.encode))
@example(data=("<!-- -->" * 23 + "<p>").encode())  # 2 s when it was exponential
@example(data=("<!-- -->" * 1000 + "<html>").encode())
@example(data=("<?xml" + " " * 8000).encode())
def test_the_sniffer_names_a_type_or_refuses(data: bytes) -> None:
    probe = TextProbe()
    probe.feed(data, final=True)
    try:
        verdict = detect(data[:HEAD_BYTES], "upload.html", probe.error)
    except Rejection as refused:
        verdict = refused.code
    assert verdict in {*ACCEPTED, "unsupported_type"}


@BUDGET
@given(body=st.binary(max_size=4096) | pieces(JSON_PIECES, 1500).map(str.encode))
@example(body=b"[" * 5000 + b"]" * 5000)
@example(body=b'{"query": ' + b"9" * 6000 + b"}")
@example(body=b'{"query": "\xff"}')
def test_json_bodies_are_read_or_refused_with_a_4xx(body: bytes) -> None:
    try:
        now(read_json_body(json_request(body), LoanQuery))
        status = 200
    except RequestValidationError:
        status = 422
    except HTTPException as refused:
        status = refused.status_code
    assert status in {200, 400, 422}


@BUDGET
@given(cursor=st.text(max_size=200) | st.integers().map(encode_cursor))
@example(cursor=encode_cursor(2**63))
@example(cursor=encode_cursor(-1))
def test_cursors_decode_to_an_id_in_range_or_are_refused(cursor: str) -> None:
    status, decoded = 200, None
    try:
        decoded = decode_cursor(cursor)
    except InvalidInput as refused:
        status = refused.status_code
    assert status == 422 or decoded is None or 0 < decoded <= MAX_ID


FIGURE_PIECES = ["$", "1", "0", "5", ",", ".", "%", "k", " ", "year", "month", "rate", "at"]
FIGURE_PIECES += ["income", "debt", "down", "payment", "and", "-", "+", "x", "\n", "APR", "of"]


@BUDGET
@given(question=st.text(max_size=QUESTION_MAX_CHARS) | pieces(FIGURE_PIECES, 600))
@example(question="$1,000," * 280)
@example(question="1 " * 999)
def test_reading_figures_from_free_text_never_fails(question: str) -> None:
    read_facts(question[:QUESTION_MAX_CHARS])
