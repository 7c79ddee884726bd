"""Builds the configured LLM providers (``APFA_LLM_PROVIDERS``) for the app lifespan."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from apfa.core.config import Settings
from apfa.core.resources import Resource
from apfa.core.secrets import configured_secret
from apfa.providers.anthropic import AnthropicAdapter
from apfa.providers.breaker import CircuitBreaker
from apfa.providers.http import HttpOptions
from apfa.providers.llm import ProviderAdapter, ProviderError
from apfa.providers.openai_compat import OpenAICompatibleAdapter
from apfa.providers.resilience import Price, ResilientGenerator, RetryPolicy

GROUNDED = "grounded"
LLM_PROVIDERS = ("openai", "anthropic", "bedrock")


class ProviderConfigError(ValueError):
    pass


def parse_chain(value: str) -> tuple[str, ...]:
    """The LLM providers to try, in order; the grounded generator always ends the chain."""
    names = [n.strip().lower() for n in value.split(",") if n.strip()]
    unknown = sorted(set(names) - {*LLM_PROVIDERS, GROUNDED})
    if unknown:
        raise ProviderConfigError(
            f"APFA_LLM_PROVIDERS: unknown provider(s) {', '.join(unknown)}; "
            f"choose from {', '.join((*LLM_PROVIDERS, GROUNDED))}"
        )
    if len(set(names)) != len(names):
        raise ProviderConfigError("APFA_LLM_PROVIDERS: a provider is listed twice")
    if GROUNDED in names and names[-1] != GROUNDED:
        raise ProviderConfigError("APFA_LLM_PROVIDERS: grounded must come last")
    return tuple(n for n in names if n != GROUNDED)


def _require(value: str | None, variable: str, provider: str) -> str:
    if not value:
        raise ProviderConfigError(f"{provider} is in APFA_LLM_PROVIDERS but {variable} is unset")
    return value


def _openai(settings: Settings, options: HttpOptions) -> ProviderAdapter:
    key = configured_secret(
        settings.openai_api_key, settings.openai_api_key_file, "APFA_OPENAI_API_KEY"
    )
    return OpenAICompatibleAdapter.create(
        _require(settings.openai_base_url, "APFA_OPENAI_BASE_URL", "openai"),
        _require(settings.openai_model, "APFA_OPENAI_MODEL", "openai"),
        key,
        options,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def _anthropic(settings: Settings, options: HttpOptions) -> ProviderAdapter:
    key = configured_secret(
        settings.anthropic_api_key, settings.anthropic_api_key_file, "APFA_ANTHROPIC_API_KEY"
    )
    return AnthropicAdapter.create(
        settings.anthropic_base_url,
        _require(settings.anthropic_model, "APFA_ANTHROPIC_MODEL", "anthropic"),
        _require(key, "APFA_ANTHROPIC_API_KEY", "anthropic"),
        options,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


def _bedrock(settings: Settings, options: HttpOptions) -> ProviderAdapter:
    from apfa.providers.bedrock import BedrockAdapter, create_client

    model_id = _require(settings.bedrock_model_id, "APFA_BEDROCK_MODEL_ID", "bedrock")
    return BedrockAdapter(
        create_client(settings.bedrock_region, options, settings.bedrock_endpoint_url),
        model_id,
        max_tokens=settings.llm_max_tokens,
        temperature=settings.llm_temperature,
    )


FACTORIES: dict[str, Callable[[Settings, HttpOptions], ProviderAdapter]] = {
    "openai": _openai,
    "anthropic": _anthropic,
    "bedrock": _bedrock,
}


def _is_provider_failure(exc: BaseException) -> bool:
    return isinstance(exc, ProviderError)


def guard(adapter: ProviderAdapter, settings: Settings) -> ResilientGenerator:
    breaker = CircuitBreaker(
        adapter.name,
        failure_threshold=settings.breaker_failure_threshold,
        open_seconds=settings.breaker_open_seconds,
        is_failure=_is_provider_failure,
    )
    policy = RetryPolicy(
        settings.llm_max_attempts,
        settings.llm_retry_initial_seconds,
        settings.llm_retry_max_seconds,
    )
    prompt, completion = settings.llm_prices_per_1k.get(adapter.name, (0.0, 0.0))
    return ResilientGenerator(adapter, breaker, policy, Price(prompt, completion))


@dataclass
class ProviderSet:
    generators: list[ResilientGenerator] = field(default_factory=list)

    @property
    def breakers(self) -> dict[str, CircuitBreaker]:
        return {g.breaker.name: g.breaker for g in self.generators}

    async def aclose(self) -> None:
        for generator in self.generators:
            await generator.aclose()


async def build_providers(settings: Settings) -> ProviderSet:
    options = HttpOptions(settings.llm_connect_timeout_seconds, settings.llm_read_timeout_seconds)
    providers = ProviderSet()
    try:
        for name in parse_chain(settings.llm_providers):
            providers.generators.append(guard(FACTORIES[name](settings, options), settings))
    except BaseException:
        await providers.aclose()
        raise
    return providers


PROVIDERS = Resource[ProviderSet]("LLM providers")
