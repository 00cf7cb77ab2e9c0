"""The one clock. Everything that asks "what time is it" asks here, so tests can reason about it
and time zones are handled in one place."""

from __future__ import annotations

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
