"""Advice request guards: the per-user (and per-role) advice rate limit.

``AdviceRateLimit`` goes into the ``dependencies`` of every route that generates advice, so
the limit is checked right after authentication and before the body is used.
"""

from __future__ import annotations

from typing import cast

from fastapi import Depends, Request

from apfa.auth.dependencies import AdviceGenerator
from apfa.auth.service import Principal
from apfa.core.config import Settings
from apfa.core.dependencies import SettingsDep
from apfa.core.errors import TooManyRequests
from apfa.core.ratelimit import RateLimiter


def advice_limit(settings: Settings, principal: Principal) -> str:
    """The rate that applies to ``principal``: their role's override, else the default."""
    for role, spec in settings.rate_limit_advice_roles.items():
        if role == principal.role.value:
            return spec
    return settings.rate_limit_advice


async def limit_advice(request: Request, principal: AdviceGenerator, settings: SettingsDep) -> None:
    spec = advice_limit(settings, principal)
    limiter = cast(RateLimiter, request.app.state.rate_limiter)
    verdict = await limiter.hit(spec, "advice", str(principal.user_id))
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise TooManyRequests(
            f"advice rate limit of {spec} exceeded; retry in {verdict.reset_after} s",
            headers=verdict.headers(),
        )


AdviceRateLimit = Depends(limit_advice)
