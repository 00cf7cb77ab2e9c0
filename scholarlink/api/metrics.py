"""Operator figures over HTTP: Prometheus text (`/metrics`, `/metrics/prometheus`), live JSON
figures (`/api/metrics`) and the public circuit-breaker view (`/api/health/reliability`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from prometheus_client import CONTENT_TYPE_LATEST

from scholarlink.observability.exposition import render
from scholarlink.observability.live_stats import LIVE
from scholarlink.observability.operations import breaker_report

router = APIRouter(tags=["operations"])

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


@router.get("/api/metrics", summary="Live figures as JSON (HTTP, cache, database, AI, resources)")
async def api_metrics() -> dict[str, Any]:
    return LIVE.snapshot()


@router.get(
    "/api/health/reliability",
    summary="Every circuit breaker and its state (destinations only for the operator's JWT: "
    "GET /api/agent/reliability)",
)
async def reliability() -> dict[str, Any]:
    return breaker_report(details=False)
