"""Formatting of stored numbers for display (values are computed server-side, never in the UI)."""

from __future__ import annotations

from datetime import date

from scholarlink.services.deadlines import days_until, next_deadline


def money(amount_min: int, amount_max: int) -> str:
    if amount_min == amount_max:
        return f"${amount_max:,}"
    return f"${amount_min:,}–${amount_max:,}"


def deadline_text(month: int, day: int, today: date) -> tuple[str, str, int]:
    """(date label, countdown label, days left)."""
    when = next_deadline(month, day, today)
    days = days_until(month, day, today)
    if days == 0:
        countdown = "Due today"
    elif days == 1:
        countdown = "Due tomorrow"
    else:
        countdown = f"{days} days left"
    return when.strftime("%b %-d, %Y"), countdown, days


def urgency(days: int) -> str:
    return "red" if days <= 7 else "amber" if days <= 21 else "gray"
