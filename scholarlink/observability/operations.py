"""Operator JSON: live figures (`/api/metrics`) and circuit-breaker states
(`/api/health/reliability`)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter

from scholarlink.core.breakers import all_breakers, breaker
from scholarlink.observability.live_stats import LIVE

router = APIRouter(tags=["operations"])

# Dependencies every process may call; looked up here so they are listed (closed) before their
# first use. Command Center destinations ("command-center:host:port") appear once messages go out.
ALWAYS_PRESENT = ("openai", "stripe", "storage")


@router.get("/api/metrics", summary="Live figures as JSON (HTTP, cache, database, AI, resources)")
async def api_metrics() -> dict[str, Any]:
    return LIVE.snapshot()


def breaker_report(*, details: bool) -> dict[str, Any]:
    """Every circuit breaker and its state. Without `details` (the public view), breakers are
    named by the kind of dependency only — no hosts, ports or error texts."""
    for name in ALWAYS_PRESENT:
        breaker(name)
    views = []
    for b in sorted(all_breakers(), key=lambda b: b.name):
        if details:
            view = b.snapshot()
            # An open breaker whose pause is over lets the next call through as a probe.
            view["state"] = b.state
        else:
            view = b.public_snapshot()
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


@router.get(
    "/api/health/reliability",
    summary="Every circuit breaker and its state (destinations only for the operator's JWT: "
    "GET /api/agent/reliability)",
)
async def reliability() -> dict[str, Any]:
    return breaker_report(details=False)
