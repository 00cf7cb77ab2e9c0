"""Structured JSON logs carrying the request's correlation id and the agent's trace id."""

from __future__ import annotations

import contextvars
import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any

from scholarlink.core.clock import Throttle
from scholarlink.core.settings import get_settings

correlation_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "correlation_id", default=None
)
trace_id: contextvars.ContextVar[str | None] = contextvars.ContextVar("trace_id", default=None)

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if cid := correlation_id.get():
            entry["correlation_id"] = cid
        if tid := trace_id.get():
            entry["trace_id"] = tid
        for key, value in vars(record).items():
            if key not in _RESERVED and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


class ClientFaultsAreWarnings(logging.Filter):
    """engine.io logs what a client did wrong (a foreign Origin, an unknown transport) as
    ERROR. It is refused and answered with a 400; for us that is a warning, not an error."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno >= logging.ERROR:
            record.levelno, record.levelname = logging.WARNING, "WARNING"
        return True


CLIENT_FAULTS = ClientFaultsAreWarnings()


def configure_logging() -> None:
    """Idempotent: attach one handler to the `scholarlink` logger."""
    for name in ("engineio.server", "socketio.server"):
        target = logging.getLogger(name)
        if CLIENT_FAULTS not in target.filters:
            target.addFilter(CLIENT_FAULTS)
    settings = get_settings()
    logger = logging.getLogger("scholarlink")
    if any(getattr(h, "_scholarlink", False) for h in logger.handlers):
        return
    handler = logging.StreamHandler(sys.stderr)
    handler._scholarlink = True  # type: ignore[attr-defined]
    handler.setFormatter(
        JsonFormatter()
        if settings.log_json
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    logger.addHandler(handler)
    logger.setLevel(settings.log_level.upper())
    logger.propagate = True


class LogThrottle(Throttle):
    """At most one log line per key per interval: a background loop that fails every half
    second (say, while the database is down) reports the outage, not a flood."""

    def __init__(self, interval: float = 30.0) -> None:
        super().__init__(interval)
