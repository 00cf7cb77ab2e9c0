"""Builds the FastAPI app that wraps Reflex's backend."""

from __future__ import annotations

from fastapi import FastAPI

from scholarlink.agent import routes as agent_routes
from scholarlink.api import account, catalogue, documents
from scholarlink.api import payments as payments_api
from scholarlink.api.errors import install_error_handlers
from scholarlink.observability import exposition, health, operations
from scholarlink.observability.middleware import CorrelationMiddleware
from scholarlink.settings import get_settings


def create_api() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="ScholarLink API",
        version=settings.version,
        description="Catalogue, operations and Command Center agent endpoints of ScholarLink.",
    )
    install_error_handlers(api)
    api.add_middleware(CorrelationMiddleware)
    api.include_router(health.router)
    api.include_router(exposition.router)
    api.include_router(operations.router)
    api.include_router(catalogue.router)
    api.include_router(documents.router)
    api.include_router(account.router)
    api.include_router(agent_routes.router)
    api.include_router(payments_api.router)
    return api
