"""``create_app``: the routers, middleware and error handlers of the ASGI application;
everything stateful is built by its lifespan (``app.lifespan``)."""

from __future__ import annotations

from fastapi import FastAPI

from apfa import __version__
from apfa.admin.audit_endpoints import router as audit_router
from apfa.admin.index_endpoints import router as admin_index_router
from apfa.admin.task_endpoints import router as admin_tasks_router
from apfa.advice.endpoints import SELF_ENCODING
from apfa.advice.endpoints import router as advice_router
from apfa.api_keys.endpoints import router as api_keys_router
from apfa.app.health import router as health_router
from apfa.app.lifespan import lifespan_for
from apfa.auth.endpoints import router as auth_router
from apfa.auth.middleware import QueryCredentialsGuard
from apfa.auth.routes_endpoints import router as routes_router
from apfa.conversations.endpoints import router as conversations_router
from apfa.core.config import Settings
from apfa.core.errors import install_error_handlers
from apfa.core.middleware import install_edge
from apfa.core.openapi import install_openapi
from apfa.core.routing import register_routers
from apfa.documents.endpoints import router as documents_router
from apfa.knowledge.endpoints import router as knowledge_router
from apfa.market.endpoints import router as market_router
from apfa.observability.logging import configure_logging
from apfa.observability.middleware import RequestContextMiddleware
from apfa.observability.tracing import setup_tracing
from apfa.providers.embeddings import Embedder
from apfa.realtime.server import install_realtime
from apfa.users.endpoints import router as users_router
from apfa.web.endpoints import router as web_router

# Routes are matched in this order; advice, the busiest, goes first. Add a router here
# (see core/routing.py for how it is registered).
ROUTERS = (
    advice_router,
    conversations_router,
    health_router,
    auth_router,
    users_router,
    api_keys_router,
    audit_router,
    knowledge_router,
    documents_router,
    routes_router,
    admin_tasks_router,
    admin_index_router,
    market_router,
    web_router,
)


def create_app(settings: Settings | None = None, *, embedder: Embedder | None = None) -> FastAPI:
    """The application; ``embedder`` replaces loading the model (tests share one)."""
    settings = settings or Settings()
    configure_logging(settings.log_level, json=settings.log_json)
    app = FastAPI(
        title="APFA",
        summary="Agentic Personalized Financial Advisor",
        version=__version__,
        lifespan=lifespan_for(settings, embedder),
    )
    install_error_handlers(app)
    setup_tracing(app, settings)
    register_routers(app, ROUTERS)
    install_openapi(app)
    install_realtime(app, settings)
    app.add_middleware(QueryCredentialsGuard)
    install_edge(
        app, settings, request_context=RequestContextMiddleware, self_encoding=SELF_ENCODING
    )
    return app
