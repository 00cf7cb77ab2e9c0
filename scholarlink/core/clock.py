"""The one clock. Everything that asks "what time is it" asks here, so tests can reason about it
and time zones are handled in one place."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError


def utcnow() -> datetime:
    """Now, timezone-aware UTC (what every timestamp column stores)."""
    return datetime.now(UTC)


def today(tz: str | None = None) -> date:
    """Today's date in `tz` (an IANA name such as "Pacific/Auckland"), UTC when absent or unknown."""
    if tz:
        try:
            return datetime.now(ZoneInfo(tz)).date()
        except (ZoneInfoNotFoundError, ValueError):
            pass
    return datetime.now(UTC).date()


class Throttle:
    """True at most once per `interval` seconds for each key (the monotonic clock; the first
    call for a key is always ready): what a loop does now and then, not on every pass."""

    def __init__(self, interval: float) -> None:
        self.interval = interval
        self._last: dict[str, float] = {}

    def ready(self, key: str = "") -> bool:
        now = time.monotonic()
        if now - self._last.get(key, -self.interval) < self.interval:
            return False
        self._last[key] = now
        return True
