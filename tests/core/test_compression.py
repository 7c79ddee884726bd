"""Gzip built from a compressed prefix and a stored tail is ordinary gzip."""

from __future__ import annotations

import gzip
import json
import random
import zlib

import pytest

from apfa.core.compression import MAX_STORED, PrefixGzip, accepts_gzip


def test_every_split_decompresses_to_the_whole_body() -> None:
    rng = random.Random(7)
    encoder = PrefixGzip(6)
    words = ["loan", "rate", "PMI", "debt", "0.33", "[1]", "$1,896.20", "é", "\n"]
    for _ in range(200):
        body = " ".join(rng.choice(words) for _ in range(rng.randrange(0, 2000))).encode()
        cut = rng.randrange(0, len(body) + 1)
        encoded = encoder.compress(body[:cut], body[cut:])
        assert gzip.decompress(encoded) == body
        assert zlib.decompress(encoded, 16 + zlib.MAX_WBITS) == body


def test_a_repeated_prefix_is_compressed_once_and_stays_correct() -> None:
    encoder = PrefixGzip(6, maxsize=2)
    members = json.dumps({"advice": "Keep your debt-to-income ratio low. " * 100}).encode()
    prefix = b"{" + members[1:-1] + b","
    outputs = []
    for n in range(5):
        tail = json.dumps({"request_id": f"r{n}", "cached": True})[1:].encode()
        outputs.append(encoder.compress(prefix, tail))
        assert json.loads(gzip.decompress(outputs[-1]))["request_id"] == f"r{n}"
    # Compressed once: every response starts with the same bytes, and is much smaller.
    common = len(outputs[0]) - 60
    assert all(out[:common] == outputs[0][:common] for out in outputs)
    assert len(outputs[0]) < len(prefix) / 5


def test_the_tail_must_fit_one_stored_block() -> None:
    encoder = PrefixGzip(1)
    assert gzip.decompress(encoder.compress(b"", b"x" * MAX_STORED)) == b"x" * MAX_STORED
    with pytest.raises(ValueError, match="stored block"):
        encoder.compress(b"", b"x" * (MAX_STORED + 1))


@pytest.mark.parametrize(
    ("headers", "accepted"),
    [
        ([(b"accept-encoding", b"gzip, deflate")], True),
        ([(b"accept-encoding", b"br;q=1.0, gzip;q=0.8")], True),
        ([(b"accept-encoding", b"identity")], False),
        ([], False),
    ],
)
def test_accept_encoding_is_read_as_the_gzip_middleware_reads_it(
    headers: list[tuple[bytes, bytes]], accepted: bool
) -> None:
    assert accepts_gzip({"type": "http", "headers": headers}) is accepted
