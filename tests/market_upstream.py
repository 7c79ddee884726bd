"""A stub of FRED and the Treasury on 127.0.0.1, run in the test's event loop.

It speaks just enough HTTP/1.1 (one GET per connection) to answer
``/fred/series/observations`` in FRED's JSON (each series' observations, "." for a missing
one) and the Treasury's daily par yield curve as its Atom/XML feed
(``/treasury/pages/xml``) or its CSV download (``/treasury/daily-treasury-rates.csv/all/
<yyyymm>``). A path can be scripted to fail with a status; every request is recorded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import date
from urllib.parse import parse_qs, urlsplit

ATOM_HEAD = (
    '<?xml version="1.0" encoding="utf-8" standalone="yes"?>\n'
    '<feed xml:base="https://home.treasury.gov/resource-center/data-chart-center/'
    'interest-rates/pages/xml" xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:d="http://schemas.microsoft.com/ado/2007/08/dataservices" '
    'xmlns:m="http://schemas.microsoft.com/ado/2007/08/dataservices/metadata">\n'
    '<title type="text">DailyTreasuryYieldCurveRateData</title>\n'
)


def fred_body(series_id: str, rows: Sequence[tuple[date, str]]) -> bytes:
    """FRED's ``series/observations`` JSON for ``rows`` (value "." = missing)."""
    first = rows[0][0].isoformat() if rows else "1776-07-04"
    return json.dumps(
        {
            "realtime_start": date.today().isoformat(),
            "realtime_end": date.today().isoformat(),
            "observation_start": first,
            "observation_end": "9999-12-31",
            "units": "lin",
            "output_type": 1,
            "file_type": "json",
            "order_by": "observation_date",
            "sort_order": "asc",
            "count": len(rows),
            "offset": 0,
            "limit": 100000,
            "observations": [
                {
                    "realtime_start": date.today().isoformat(),
                    "realtime_end": date.today().isoformat(),
                    "date": when.isoformat(),
                    "value": value,
                }
                for when, value in rows
            ],
        }
    ).encode()


def treasury_xml(rows: Sequence[tuple[date, str, str]]) -> bytes:
    """The par yield curve feed with (date, 2-year, 10-year) per entry; "" = missing."""
    entries = []
    for n, (when, two, ten) in enumerate(rows, start=1):

        def cell(name: str, value: str) -> str:
            if not value:
                return f'<d:{name} m:type="Edm.Double" m:null="true" />'
            return f'<d:{name} m:type="Edm.Double">{value}</d:{name}>'

        entries.append(
            "<entry><id>https://home.treasury.gov/resource-center/data-chart-center/"
            f'interest-rates/pages/xml?$skip={n}</id><title type="text"></title>'
            '<updated>2026-12-01T00:00:00Z</updated><content type="application/xml">'
            f'<m:properties><d:Id m:type="Edm.Int32">{n}</d:Id>'
            f'<d:NEW_DATE m:type="Edm.DateTime">{when.isoformat()}T00:00:00</d:NEW_DATE>'
            f"{cell('BC_1MONTH', '4.01')}{cell('BC_2YEAR', two)}{cell('BC_5YEAR', '3.90')}"
            f"{cell('BC_10YEAR', ten)}{cell('BC_30YEAR', '4.70')}"
            "</m:properties></content></entry>\n"
        )
    return (ATOM_HEAD + "".join(entries) + "</feed>\n").encode()


def treasury_csv(rows: Sequence[tuple[date, str, str]]) -> bytes:
    head = (
        'Date,"1 Mo","2 Mo","3 Mo","4 Mo","6 Mo","1 Yr","2 Yr","3 Yr","5 Yr","7 Yr","10 Yr",'
        '"20 Yr","30 Yr"\n'
    )
    lines = [
        f"{when:%m/%d/%Y},4.01,4.00,3.98,3.95,3.90,3.80,{two},3.85,3.90,3.95,{ten},4.60,4.70\n"
        for when, two, ten in sorted(rows, reverse=True)
    ]
    return (head + "".join(lines)).encode()


@dataclass(frozen=True)
class Seen:
    path: str
    query: dict[str, str]


@dataclass
class Upstream:
    fred: dict[str, bytes] = field(default_factory=dict)  # series id -> body
    treasury: bytes = b""
    treasury_type: str = "application/xml"
    fail: dict[str, tuple[int, bytes]] = field(default_factory=dict)  # path prefix -> reply
    seen: list[Seen] = field(default_factory=list)
    port: int = 0

    @property
    def fred_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/fred"

    @property
    def treasury_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/treasury"

    def reply(self, path: str, query: dict[str, str]) -> tuple[int, str, bytes]:
        for prefix, (status, body) in self.fail.items():
            if path.startswith(prefix):
                return status, "application/json", body
        if path == "/fred/series/observations":
            body = self.fred.get(query.get("series_id", ""))
            if body is None:
                message = {
                    "error_code": 400,
                    "error_message": "Bad Request. The series does not exist.",
                }
                return 400, "application/json", json.dumps(message).encode()
            return 200, "application/json", body
        if path.startswith("/treasury/"):
            return 200, self.treasury_type, self.treasury
        return 404, "text/plain", b"not found"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            target = head.split(b"\r\n", 1)[0].split(b" ")[1].decode()
            parts = urlsplit(target)
            query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
            self.seen.append(Seen(parts.path, query))
            status, kind, body = self.reply(parts.path, query)
            writer.write(
                f"HTTP/1.1 {status} X\r\nContent-Type: {kind}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n".encode()
                + body
            )
            await writer.drain()
        finally:
            writer.close()
            with contextlib.suppress(Exception):
                await writer.wait_closed()

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]


@contextlib.asynccontextmanager
async def running(upstream: Upstream) -> AsyncIterator[Upstream]:
    server = await asyncio.start_server(upstream._serve, "127.0.0.1", 0)
    upstream.port = server.sockets[0].getsockname()[1]
    try:
        yield upstream
    finally:
        server.close()
        await server.wait_closed()
