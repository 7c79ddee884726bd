"""Advice request guards: who may ask for advice, and how often.

``AdviceCaller`` is the one dependency of every route that generates advice. It is the
usual chain (credentials -> principal -> ``advice:generate`` -> per-user rate limit) in a
single dependency: FastAPI spends several microseconds solving each dependency of a request,
and on a cached answer the nine of that chain cost more than the answer itself. The checks
and their order are the same (401, then 403, then 429, all before the body is used), and
the guard is a ``RequirePermission``, so the route table still reads its permission.
Routes using it add ``CREDENTIALS_OPENAPI`` so the OpenAPI document still lists the two
credential schemes.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from apfa.auth.dependencies import RequirePermission, authenticate_request
from apfa.auth.permissions import Permission
from apfa.auth.service import Principal
from apfa.core.config import SETTINGS, Settings
from apfa.core.errors import TooManyRequests
from apfa.core.ratelimit import RATE_LIMITER


def advice_limit(settings: Settings, principal: Principal) -> str:
    """The rate that applies to ``principal``: their role's override, else the default."""
    for role, spec in settings.rate_limit_advice_roles.items():
        if role == principal.role.value:
            return spec
    return settings.rate_limit_advice


async def limit_advice(request: Request, principal: Principal) -> None:
    """Counts one advice request of ``principal``; ``TooManyRequests`` over the limit. The
    limit headers go on the response either way."""
    spec = advice_limit(SETTINGS.of(request), principal)
    limiter = RATE_LIMITER.of(request)
    verdict = await limiter.hit(spec, "advice", str(principal.user_id))
    request.state.response_headers = verdict.headers()
    if not verdict.allowed:
        raise TooManyRequests(
            f"advice rate limit of {spec} exceeded; retry in {verdict.reset_after} s",
            headers=verdict.headers(),
        )


class AdviceGuard(RequirePermission):
    """Authenticates, requires ``advice:generate`` and counts the request against the
    caller's advice rate limit."""

    def __init__(self) -> None:
        super().__init__(Permission.ADVICE_GENERATE)

    # FastAPI reads this signature: the guard takes the request and reads the credentials
    # itself instead of depending on ``get_principal``.
    async def __call__(self, request: Request) -> Principal:  # type: ignore[override]
        principal = await self.admit_or_record(request, await authenticate_request(request))
        await limit_advice(request, principal)
        return principal


ADVICE_GUARD = AdviceGuard()
AdviceCaller = Annotated[Principal, Depends(ADVICE_GUARD)]
