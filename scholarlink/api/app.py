"""Builds the FastAPI app that wraps Reflex's backend."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from scholarlink.api import (
    account,
    agent,
    catalogue,
    documents,
    health,
    mail,
    metrics,
    session,
    sharing,
)
from scholarlink.api import payments as payments_api
from scholarlink.api.errors import ErrorBody, install_error_handlers
from scholarlink.core.settings import get_settings
from scholarlink.observability.middleware import CorrelationMiddleware


def create_api() -> FastAPI:
    settings = get_settings()
    api = FastAPI(
        title="ScholarLink API",
        version=settings.version,
        description="Catalogue, operations and Command Center agent endpoints of ScholarLink.",
    )
    install_error_handlers(api)
    api.add_middleware(CorrelationMiddleware)
    api.add_middleware(session.SessionHandshakeMiddleware)
    api.include_router(health.router)
    api.include_router(metrics.router)
    api.include_router(catalogue.router)
    api.include_router(documents.router)
    api.include_router(account.router)
    api.include_router(session.router)
    api.include_router(mail.router)
    api.include_router(sharing.router)
    api.include_router(agent.router)
    api.include_router(payments_api.router)
    _document_error_envelope(api)
    return api


def _document_error_envelope(api: FastAPI) -> None:
    """FastAPI documents every 422 as its own `HTTPValidationError` (`{"detail": [...]}`), but
    our handler answers with the `{"error": ...}` envelope: publish the shape actually sent."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is not None:
            return api.openapi_schema
        schema = generate()
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        if "ErrorBody" not in components:
            body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components["ErrorBody"] = body
        for path_item in schema.get("paths", {}).values():
            for operation in path_item.values():
                response = operation.get("responses", {}).get("422")
                if response is not None:
                    response["description"] = "Validation Error"
                    response["content"] = {
                        "application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}
                    }
        for name in ("HTTPValidationError", "ValidationError"):
            components.pop(name, None)
        api.openapi_schema = schema
        return schema

    api.openapi = openapi  # type: ignore[method-assign]
