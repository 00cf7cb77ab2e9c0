"""Formatting of stored numbers for display (values are computed server-side, never in the UI)."""

from __future__ import annotations

from datetime import date

NO_DEADLINE_DAYS = 10_000  # sorts after every dated deadline; never shown


def money(amount_min: int | None, amount_max: int | None) -> str:
    if amount_min is None and amount_max is None:
        return "Amount varies"
    if amount_min is None or amount_max is None or amount_min == amount_max:
        return f"${(amount_max if amount_max is not None else amount_min):,}"
    return f"${amount_min:,}–${amount_max:,}"


def deadline_text(when: date | None, today: date, kind: str = "fixed") -> tuple[str, str, int]:
    """(date label, countdown label, days left). A programme without a single deadline says so."""
    if when is None:
        label = "Rolling deadline" if kind == "rolling" else "Dates vary"
        return label, "Check the programme's page", NO_DEADLINE_DAYS
    days = (when - today).days
    if days == 0:
        countdown = "Due today"
    elif days == 1:
        countdown = "Due tomorrow"
    else:
        countdown = f"{days} days left"
    return when.strftime("%b %-d, %Y"), countdown, days


def urgency(days: int) -> str:
    return "red" if days <= 7 else "amber" if days <= 21 else "gray"


def criterion_label(criterion: str) -> str:
    """A rule's name as a table label: first letter up, the rest as written ("GPA",
    "Class rank", "Test scores"), which `str.capitalize` would turn into "Gpa"."""
    text = criterion.replace("_", " ")
    return text[:1].upper() + text[1:]


def axis_ticks(top: int) -> list[int]:
    """Whole-number ticks from 0 to the first step at or past `top`, at most six, in steps of
    1, 2, 5, 10, 20, 50 … (left to itself the chart skipped a step on small counts: 0, 1, 2, 4)."""
    step = 1
    while top > 5 * step:
        step = step * 5 // 2 if str(step)[0] == "2" else step * 2
    last = max(1, -(-top // step)) * step
    return list(range(0, last + 1, step))
