"""Deadlines are stored as month/day and roll to the next cycle."""

from __future__ import annotations

import calendar
from datetime import date


def next_deadline(month: int, day: int, today: date) -> date:
    """The next date (today included) on month/day; Feb 29 is Feb 28 off leap years."""
    for year in (today.year, today.year + 1):
        last = calendar.monthrange(year, month)[1]
        candidate = date(year, month, min(day, last))
        if candidate >= today:
            return candidate
    raise AssertionError("unreachable: a month/day occurs within a year")


def days_until(month: int, day: int, today: date) -> int:
    return (next_deadline(month, day, today) - today).days


def month_day_key(month: int, day: int) -> int:
    """Sortable key for a month/day (SQL uses the same expression)."""
    return month * 100 + day
