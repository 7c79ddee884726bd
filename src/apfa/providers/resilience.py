"""Breaker, retries and accounting around one provider adapter.

A call is admitted by the provider's circuit breaker, then tried up to ``max_attempts``
times; only retryable errors (timeouts, connection errors, 429, 5xx) are retried, with
exponential backoff and jitter, or exactly the server's ``Retry-After`` when it sends one.
A ``Retry-After`` longer than ``max_wait`` is not waited for: the call fails at once. The
breaker sees one result per call, after the retries.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Awaitable, Callable
from contextlib import aclosing
from dataclasses import dataclass
from typing import Protocol, TypeVar

from tenacity import AsyncRetrying, RetryCallState, retry_if_exception, stop_after_attempt
from tenacity.wait import wait_base, wait_exponential, wait_random

from apfa.observability import metrics as m
from apfa.providers.breaker import CircuitBreaker, CircuitOpenError
from apfa.providers.llm import Generation, GenerationRequest, ProviderAdapter, ProviderError, Usage
from apfa.providers.tools import AssistantTurn, Conversation, ToolAdapter


class _Used(Protocol):
    @property
    def usage(self) -> Usage: ...


A = TypeVar("A")
R = TypeVar("R", bound=_Used)

Opened = tuple[AsyncGenerator[str | Usage, None], str | None]


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 3
    initial_wait: float = 0.5
    max_wait: float = 20.0

    def retrying(self) -> AsyncRetrying:
        def retryable(exc: BaseException) -> bool:
            if not isinstance(exc, ProviderError) or not exc.retryable:
                return False
            return exc.retry_after is None or exc.retry_after <= self.max_wait

        return AsyncRetrying(
            stop=stop_after_attempt(self.max_attempts),
            wait=_RetryAfterOrBackoff(self.initial_wait, self.max_wait),
            retry=retry_if_exception(retryable),
            reraise=True,
        )


class _RetryAfterOrBackoff(wait_base):
    def __init__(self, initial: float, maximum: float) -> None:
        self._backoff = wait_exponential(multiplier=initial, max=maximum) + wait_random(0, initial)

    def __call__(self, retry_state: RetryCallState) -> float:
        outcome = retry_state.outcome
        exc = outcome.exception() if outcome is not None else None
        if isinstance(exc, ProviderError) and exc.retry_after is not None:
            return exc.retry_after
        return float(self._backoff(retry_state))


@dataclass(frozen=True, slots=True)
class Price:
    """USD per 1,000 tokens."""

    prompt_per_1k: float = 0.0
    completion_per_1k: float = 0.0

    def cost(self, usage: Usage) -> float:
        return (
            usage.prompt_tokens * self.prompt_per_1k
            + usage.completion_tokens * self.completion_per_1k
        ) / 1000


class ResilientGenerator:
    def __init__(
        self,
        adapter: ProviderAdapter,
        breaker: CircuitBreaker,
        policy: RetryPolicy | None = None,
        price: Price | None = None,
    ) -> None:
        self._adapter = adapter
        self.breaker = breaker
        self._policy = policy or RetryPolicy()
        self._price = price or Price()

    @property
    def name(self) -> str:
        return self._adapter.name

    async def generate(self, request: GenerationRequest) -> Generation:
        return await self._guarded(self._adapter.complete, request)

    async def _guarded(self, call: Callable[[A], Awaitable[R]], argument: A) -> R:
        """``call(argument)`` behind the breaker and the retries, its usage counted."""
        try:
            with self.breaker.guard():
                result: R = await self._policy.retrying()(call, argument)
        except CircuitOpenError as exc:
            raise self._failed(ProviderError("circuit open", outcome="circuit_open")) from exc
        except ProviderError as exc:
            self._failed(exc)
            raise
        self._record_usage(result.usage)
        m.LLM_REQUESTS.labels(self.name, "success").inc()
        return result

    @property
    def uses_tools(self) -> bool:
        return isinstance(self._adapter, ToolAdapter)

    async def converse(self, conversation: Conversation) -> AssistantTurn:
        """One turn of a conversation with tools, behind the same breaker and retries."""
        adapter = self._adapter
        if not isinstance(adapter, ToolAdapter):
            raise self._failed(ProviderError("tools not supported", outcome="client_error"))
        return await self._guarded(adapter.converse, conversation)

    async def stream(self, request: GenerationRequest) -> AsyncIterator[str]:
        """Retries happen only before the first piece reaches the caller."""
        try:
            with self.breaker.guard():
                opened: Opened = await self._policy.retrying()(self._open_stream, request)
                pieces, first = opened
                async with aclosing(pieces):
                    if first is not None:
                        yield first
                    async for item in pieces:
                        if isinstance(item, Usage):
                            self._record_usage(item)
                        else:
                            yield item
        except CircuitOpenError as exc:
            raise self._failed(ProviderError("circuit open", outcome="circuit_open")) from exc
        except ProviderError as exc:
            self._failed(exc)
            raise
        m.LLM_REQUESTS.labels(self.name, "success").inc()

    async def _open_stream(self, request: GenerationRequest) -> Opened:
        pieces = self._adapter.stream(request)
        async for item in pieces:
            if isinstance(item, Usage):
                self._record_usage(item)
            else:
                return pieces, item
        return pieces, None

    def _record_usage(self, usage: Usage) -> None:
        m.LLM_TOKENS.labels(self.name, "prompt").inc(usage.prompt_tokens)
        m.LLM_TOKENS.labels(self.name, "completion").inc(usage.completion_tokens)
        cost = self._price.cost(usage)
        if cost > 0:
            m.LLM_COST.labels(self.name).inc(cost)

    def _failed(self, exc: ProviderError) -> ProviderError:
        m.LLM_REQUESTS.labels(self.name, exc.outcome).inc()
        return exc

    async def aclose(self) -> None:
        await self._adapter.aclose()
