"""Prometheus text exposition (`/metrics`, `/metrics/prometheus`), multiprocess-aware."""

from __future__ import annotations

import os
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    generate_latest,
    multiprocess,
)

router = APIRouter(tags=["operations"])


def multiprocess_registry() -> CollectorRegistry:
    """The registry to expose: merged across worker processes in multiprocess mode."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def render() -> bytes:
    return generate_latest(multiprocess_registry())


PROMETHEUS_RESPONSE: dict[int | str, dict[str, Any]] = {
    200: {"content": {"text/plain": {}}, "description": "Prometheus text format"}
}


@router.get(
    "/metrics", summary="Prometheus metrics", response_class=Response, responses=PROMETHEUS_RESPONSE
)
async def metrics() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)


@router.get(
    "/metrics/prometheus",
    summary="Prometheus metrics (alias)",
    response_class=Response,
    responses=PROMETHEUS_RESPONSE,
)
async def metrics_prometheus() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
