"""Where a student stands on a given day: their level and class year, projected from the level
they gave and the year they finish it.

A school year runs from August to July and is named by the calendar year it ends in. A
high-school student graduating in June 2027 is a senior in the school year 2026-27 (from
1 August 2026) and a junior the year before; from August 2027 they are in college.
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

SCHOOL_YEAR_STARTS = 8  # August
ENTERING_COLLEGE = "entering_college"
COLLEGE_LEVELS = frozenset({"community_college", "undergraduate"})


def school_year_end(day: date) -> int:
    """The calendar year the school year containing `day` ends in."""
    return day.year + 1 if day.month >= SCHOOL_YEAR_STARTS else day.year


class Standing(NamedTuple):  # a tuple: made for every level and GPA rule judged
    level: str | None  # None: after finishing the level given (the next step is not known)
    class_year: int | None  # year within the level (undergraduate 1–5), None when not known
    finished: bool = False  # the level given is behind them on that day


def implied_graduation_year(level: str, today: date) -> int:
    """The finishing year a level implies when the student gave none (the usual length)."""
    end = school_year_end(today)
    return {
        "high_school_junior": end + 1,
        "high_school_senior": end,
        "community_college": end + 1,
        "undergraduate": end + 2,
        "graduate": end + 1,
    }.get(level, end)


def standing_on(level: str | None, graduation_year: int | None, day: date, today: date) -> Standing:
    """The student's standing on `day`, from what they told us `today`."""
    if level is None:
        return Standing(None, None)
    grad = graduation_year or implied_graduation_year(level, today)
    end = school_year_end(day)
    left = grad - end  # school years still to go after the one containing `day`
    if left == -1 and level in ("high_school_junior", "high_school_senior"):
        # The school year after high school: an incoming college student (which kind of
        # college is not known, so programmes for either accept them).
        return Standing(ENTERING_COLLEGE, 1)
    if left < 0:
        return Standing(None, None, finished=True)
    if level in ("high_school_junior", "high_school_senior"):
        if left == 0:
            return Standing("high_school_senior", 4)
        if left == 1:
            return Standing("high_school_junior", 3)
        return Standing("high_school_underclass", 4 - left if left < 4 else None)
    if level == "community_college":
        return Standing(level, max(1, 2 - left))
    if level == "undergraduate":
        return Standing(level, max(1, 4 - left))
    return Standing(level, None)  # graduate: programme length unknown


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))
