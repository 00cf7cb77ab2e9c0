"""Operator JSON: live figures (`/api/metrics`) and circuit-breaker states
(`/api/health/reliability`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from scholarlink.observability.breakers import all_breakers, breaker
from scholarlink.observability.live_stats import LIVE

router = APIRouter(tags=["operations"])

# Dependencies every process may call; looked up here so they are listed (closed) before their
# first use. Command Center destinations ("command-center:host:port") appear once messages go out.
ALWAYS_PRESENT = ("openai", "stripe", "storage")


@router.get("/api/metrics", summary="Live figures as JSON (HTTP, cache, database, AI, resources)")
async def api_metrics() -> dict[str, Any]:
    return LIVE.snapshot()


@router.get("/api/health/reliability", summary="Every circuit breaker and its state")
async def reliability() -> dict[str, Any]:
    for name in ALWAYS_PRESENT:
        breaker(name)
    views = []
    for b in sorted(all_breakers(), key=lambda b: b.name):
        view = b.snapshot()
        # An open breaker whose pause is over lets the next call through as a probe.
        view["state"] = b.state
        views.append(view)
    counts = {state: 0 for state in ("closed", "half_open", "open")}
    for view in views:
        counts[view["state"]] += 1
    return {
        "timestamp": datetime.now(UTC).isoformat(),
        "status": "degraded" if counts["open"] else "ok",
        "summary": counts,
        "breakers": views,
    }
