"""Prometheus text exposition (`/metrics`, `/metrics/prometheus`), multiprocess-aware."""

from __future__ import annotations

import os

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


def render() -> bytes:
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return generate_latest(registry)
    return generate_latest(REGISTRY)


@router.get("/metrics", summary="Prometheus metrics")
async def metrics() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)


@router.get("/metrics/prometheus", summary="Prometheus metrics (alias)")
async def metrics_prometheus() -> Response:
    return Response(render(), media_type=CONTENT_TYPE_LATEST)
