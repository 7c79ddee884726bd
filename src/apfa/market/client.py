"""Fetching from FRED and the Treasury: bounded time, retries with exponential backoff and
jitter on transient failures (timeouts, connection errors, 429, 5xx), and one circuit
breaker per source so a source that keeps failing is skipped fast until its open period
ends. The breaker sees one result per call, after its retries.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from datetime import date

import httpx
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_exponential, wait_random

from apfa.core.resources import Resource
from apfa.market import parsing
from apfa.market.parsing import Point
from apfa.providers.breaker import CircuitBreaker

# Larger bodies are refused: a year of daily observations is well under 100 KB.
MAX_BODY_BYTES = 5 * 1024 * 1024
TREASURY_TYPE = "daily_treasury_yield_curve"


_KEY_IN_URL = re.compile(r"(api_key=)[^&\s\"']+")


class RedactKey(logging.Filter):
    """httpx logs each request's URL at INFO, and FRED takes its key only in the query
    string: the key is blanked out of those lines (Celery workers log INFO)."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        if "api_key=" in message:
            record.msg, record.args = _KEY_IN_URL.sub(r"\1***", message), ()
        return True


def redact_key_in_http_logs() -> None:
    """Install ``RedactKey`` on httpx's logger once per process."""
    logger = logging.getLogger("httpx")
    if not any(isinstance(f, RedactKey) for f in logger.filters):
        logger.addFilter(RedactKey())


class UpstreamError(Exception):
    """A source answered with an error or not at all; ``retryable`` when trying again
    may help."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_wait: float = 1.0
    max_wait: float = 30.0

    def retrying(self) -> AsyncRetrying:
        return AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=wait_exponential(multiplier=self.initial_wait, max=self.max_wait)
            + wait_random(0, self.initial_wait),
            retry=retry_if_exception(lambda e: isinstance(e, UpstreamError) and e.retryable),
            reraise=True,
        )


def _is_failure(exc: BaseException) -> bool:
    """What counts against a source's breaker: it failing to answer, not a bad request of
    ours (a wrong key is a 400 that every later call would repeat, so it counts too)."""
    return isinstance(exc, UpstreamError | parsing.FormatError)


def source_breakers(threshold: int, open_seconds: float) -> dict[str, CircuitBreaker]:
    return {
        name: CircuitBreaker(
            f"market:{name}",
            failure_threshold=threshold,
            open_seconds=open_seconds,
            is_failure=_is_failure,
        )
        for name in ("fred", "treasury")
    }


# The process's market-data breakers, kept apart from BREAKERS: a market source being
# down degrades nothing that serves requests, so readiness does not count them.
MARKET_BREAKERS = Resource[dict[str, CircuitBreaker]]("market data breakers")


class MarketClient:
    def __init__(
        self,
        http: httpx.AsyncClient,
        breakers: dict[str, CircuitBreaker],
        policy: RetryPolicy,
        *,
        fred_url: str,
        fred_key: str,
        treasury_url: str,
        treasury_format: str = "xml",
    ) -> None:
        self._http = http
        self._breakers = breakers
        self._policy = policy
        self._fred_url = fred_url.rstrip("/")
        self._fred_key = fred_key
        self._treasury_url = treasury_url.rstrip("/")
        self._treasury_format = treasury_format

    async def fred(self, series_id: str, start: date) -> list[Point]:
        params = {
            "series_id": series_id,
            "api_key": self._fred_key,
            "file_type": "json",
            "observation_start": start.isoformat(),
            "sort_order": "asc",
        }
        body = await self._get("fred", f"{self._fred_url}/series/observations", params)
        return parsing.parse_fred(series_id, body)

    async def treasury(self, year: int, month: int) -> list[Point]:
        """The par yield curve for one month."""
        yyyymm = f"{year:04d}{month:02d}"
        if self._treasury_format == "csv":
            url = f"{self._treasury_url}/daily-treasury-rates.csv/all/{yyyymm}"
            params = {
                "type": TREASURY_TYPE,
                "field_tdr_date_value_month": yyyymm,
                "page": "",
                "_format": "csv",
            }
            return parsing.parse_treasury_csv(await self._get("treasury", url, params))
        url = f"{self._treasury_url}/pages/xml"
        params = {"data": TREASURY_TYPE, "field_tdr_date_value_month": yyyymm}
        return parsing.parse_treasury_xml(await self._get("treasury", url, params))

    async def _get(self, source: str, url: str, params: dict[str, str]) -> bytes:
        with self._breakers[source].guard():
            async for attempt in self._policy.retrying():
                with attempt:
                    return await self._once(source, url, params)
        raise AssertionError("unreachable: the retry loop returns or raises")

    async def _once(self, source: str, url: str, params: dict[str, str]) -> bytes:
        try:
            response = await self._http.get(url, params=params)
        except httpx.TimeoutException as exc:
            raise UpstreamError(f"{source}: timed out", retryable=True) from exc
        except httpx.TransportError as exc:
            raise UpstreamError(f"{source}: {type(exc).__name__}", retryable=True) from exc
        status = response.status_code
        if status == 429 or status >= 500:
            raise UpstreamError(f"{source}: HTTP {status}", retryable=True)
        if status >= 400:
            reason = _reason(response).replace(self._fred_key, "***") if self._fred_key else ""
            raise UpstreamError(f"{source}: HTTP {status}{reason}", retryable=False)
        if len(response.content) > MAX_BODY_BYTES:
            raise UpstreamError(
                f"{source}: the body is over {MAX_BODY_BYTES} bytes", retryable=False
            )
        return response.content


def _reason(response: httpx.Response) -> str:
    """FRED says why a request was refused in ``error_message``; never echo the key."""
    try:
        payload = response.json()
    except ValueError:
        return ""
    message = payload.get("error_message") if isinstance(payload, dict) else None
    if not isinstance(message, str):
        return ""
    return f": {message[:200]}"
