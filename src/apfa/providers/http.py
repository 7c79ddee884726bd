"""What the HTTP adapters share: the client, error classification and SSE reading."""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, ClassVar

import httpx

from apfa.providers.llm import ProviderError

RETRYABLE_STATUS = frozenset({408, 409, 425, 429})


@dataclass(frozen=True, slots=True)
class HttpOptions:
    connect_timeout: float = 10.0
    read_timeout: float = 110.0


class HttpAdapter:
    """What every HTTP adapter holds: its client, model and sampling settings."""

    default_name: ClassVar[str]

    def __init__(
        self,
        client: httpx.AsyncClient,
        model: str,
        *,
        max_tokens: int = 1024,
        temperature: float = 0.2,
        name: str | None = None,
    ) -> None:
        self._client = client
        self._model = model
        self._max_tokens = max_tokens
        self._temperature = temperature
        self._name = name or self.default_name

    @property
    def name(self) -> str:
        return self._name


def build_client(base_url: str, headers: dict[str, str], options: HttpOptions) -> httpx.AsyncClient:
    """One client per provider, built in the app lifespan and closed on shutdown."""
    timeout = httpx.Timeout(
        connect=options.connect_timeout,
        read=options.read_timeout,
        write=options.connect_timeout,
        pool=options.connect_timeout,
    )
    return httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=headers, timeout=timeout)


def parse_retry_after(value: str | None) -> float | None:
    """Seconds to wait from a Retry-After header: delta-seconds or an HTTP date."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def check_status(response: httpx.Response) -> None:
    status = response.status_code
    if status < 400:
        return
    retry_after = parse_retry_after(response.headers.get("retry-after"))
    if status == 429:
        raise ProviderError(
            "rate limited (http 429)",
            outcome="rate_limited",
            retryable=True,
            retry_after=retry_after,
        )
    if status >= 500 or status in RETRYABLE_STATUS:
        raise ProviderError(
            f"http {status}", outcome="server_error", retryable=True, retry_after=retry_after
        )
    raise ProviderError(f"http {status}", outcome="client_error")


@contextmanager
def translating_errors() -> Iterator[None]:
    """httpx and decoding errors as ``ProviderError``; messages never include headers."""
    try:
        yield
    except httpx.TimeoutException as exc:
        raise ProviderError("timeout", outcome="timeout", retryable=True) from exc
    except httpx.TransportError as exc:
        raise ProviderError("connection error", outcome="connection_error", retryable=True) from exc
    except (httpx.DecodingError, ValueError, KeyError, IndexError, TypeError) as exc:
        raise ProviderError("malformed response", outcome="bad_response") from exc
    except httpx.HTTPError as exc:
        raise ProviderError("request failed", outcome="error") from exc


def decode_json(response: httpx.Response) -> dict[str, Any]:
    payload = json.loads(response.content)
    if not isinstance(payload, dict):
        raise TypeError("expected a JSON object")
    return payload


async def sse_data(response: httpx.Response) -> AsyncIterator[tuple[str, str]]:
    """(event, data) pairs of a Server-Sent Events body, one per event."""
    event, data = "message", list[str]()
    async for line in response.aiter_lines():
        if not line:
            if data:
                yield event, "\n".join(data)
            event, data = "message", []
        elif line.startswith("event:"):
            event = line[6:].strip()
        elif line.startswith("data:"):
            data.append(line[5:].lstrip())
    if data:
        yield event, "\n".join(data)


def require_text(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise ProviderError("empty answer", outcome="bad_response")
    return value
