"""Liveness (/health) and readiness (/ready), as the agent contract specifies."""

from __future__ import annotations

import os
from datetime import datetime
from typing import Any

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.agent.heartbeat import last_heartbeat
from scholarlink.core.clock import utcnow
from scholarlink.core.db import DatabaseUnavailable, ping
from scholarlink.core.settings import get_settings
from scholarlink.migrations import is_at_head

router = APIRouter(tags=["operations"])


def _database() -> dict[str, Any]:
    try:
        return {"status": "healthy", "latency_ms": round(ping(), 2)}
    except DatabaseUnavailable as exc:
        return {"status": "unhealthy", "latency_ms": None, "error": str(exc)}


def _heartbeat() -> tuple[bool | None, datetime | None]:
    """From the outbox, so every worker process reports the same."""
    try:
        return last_heartbeat()
    except Exception:  # the database is down: /health still answers
        return None, None


@router.get("/health", summary="Liveness with agent identification")
async def health() -> JSONResponse:
    settings = get_settings()
    database = await run_in_threadpool(_database)
    heartbeat_ok, last_seen = (
        await run_in_threadpool(_heartbeat) if database["status"] == "healthy" else (None, None)
    )
    now = utcnow().isoformat()
    body = {
        "status": "ok" if database["status"] == "healthy" else "degraded",
        "timestamp": now,
        "agent_id": settings.agent_id,
        "last_seen": last_seen.isoformat() if last_seen else now,
        "version": settings.version,
        "process": {"pid": os.getpid()},
        "capabilities": list(CAPABILITIES),
        "database": database,
        "bridge": {
            "mode": settings.bridge_mode,
            "last_heartbeat_ok": heartbeat_ok,
        },
    }
    # Liveness stays 200 while the process can answer; /ready reports the database.
    return JSONResponse(body)


def _readiness() -> tuple[bool, dict[str, Any]]:
    database = _database()
    if database["status"] != "healthy":
        return False, {"database": database, "migrations": "unknown"}
    try:
        at_head = is_at_head()
    except Exception as exc:  # the schema table itself may be missing
        return False, {"database": database, "migrations": f"unknown: {type(exc).__name__}"}
    return at_head, {"database": database, "migrations": "current" if at_head else "pending"}


@router.get(
    "/ready",
    summary="Readiness: database answers and migrations are current",
    responses={503: {"description": "Not ready: the database does not answer or is not migrated"}},
)
async def ready() -> JSONResponse:
    ok, checks = await run_in_threadpool(_readiness)
    return JSONResponse(
        {"status": "ready" if ok else "not_ready", **checks}, status_code=200 if ok else 503
    )
