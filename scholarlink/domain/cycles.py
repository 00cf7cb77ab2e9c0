"""Which application cycle of a programme a student can apply in.

A catalogue cycle holds the dates read from a source for one year. They are projected onto other
years (same month and day), and the student's standing is projected onto each deadline: the
student's cycle is the first upcoming one whose rules hold on its own deadline. A senior in
December has missed this year's September deadline, and next year's is for the class below:
closed for them. A junior sees that same programme open next August, "when you are a senior".
Rolling and varying cycles are judged today, then at the start of each coming school year.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, NamedTuple

from scholarlink.domain.eligibility import Profile, Verdict, judge, overall
from scholarlink.domain.rules import AgeRule, AnyOfRule, Cycle, GpaRule, LevelRule, walk
from scholarlink.domain.standing import SCHOOL_YEAR_STARTS, school_year_end

State = Literal["open", "opens_later", "closed"]
HORIZON_YEARS = 3


def _shift(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True)
class StudentCycle:
    state: State
    opens: date | None
    deadline: date | None
    kind: str  # fixed / rolling / varies
    for_graduation_year: int | None
    read_for: str | None
    projected: bool  # dates carried forward from an earlier cycle's
    note: str | None = None
    verdicts: list[Verdict] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "opens": self.opens.isoformat() if self.opens else None,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "kind": self.kind,
            "forGraduationYear": self.for_graduation_year,
            "readFor": self.read_for,
            "projected": self.projected,
            "note": self.note,
        }


class _Candidate(NamedTuple):  # a tuple: several made for every programme judged
    on: date  # the day rules are judged on
    opens: date | None
    deadline: date | None
    cycle: Cycle
    projected: bool


def cycle_candidates(cycles: list[Cycle], today: date) -> list[_Candidate]:
    """The days a student's cycle may fall on, earliest first (rules are judged on `on`)."""
    found: list[_Candidate] = []
    for cycle in cycles:
        if cycle.kind == "fixed" and cycle.deadline is not None:
            for years in range(
                today.year - cycle.deadline.year - 1,
                today.year - cycle.deadline.year + HORIZON_YEARS,
            ):
                deadline = _shift(cycle.deadline, years)
                if deadline < today:
                    continue
                opens = _shift(cycle.opens, years) if cycle.opens else None
                found.append(_Candidate(deadline, opens, deadline, cycle, years != 0))
        else:
            found.append(_Candidate(today, None, None, cycle, False))
            start = date(school_year_end(today), SCHOOL_YEAR_STARTS, 1)
            for years in range(HORIZON_YEARS):
                found.append(
                    _Candidate(_shift(start, years), _shift(start, years), None, cycle, False)
                )
    found.sort(key=lambda c: (c.on, c.deadline or date.max))
    return found


def _class_of(rules: list[Any], on: date) -> int | None:
    """For high-school programmes: the graduating class the cycle is for."""
    levels: set[str] = set()
    for rule in walk(rules):
        if isinstance(rule, LevelRule):
            levels |= set(rule.levels)
    if not levels or not levels <= {"high_school_junior", "high_school_senior"}:
        return None
    end = school_year_end(on)
    return end if "high_school_senior" in levels else end + 1


_TIME_DEPENDENT = (LevelRule, GpaRule, AgeRule)


def _time_dependent(rule: Any) -> bool:
    """Rules whose verdict depends on the day they are judged on (the student's standing, age)."""
    if isinstance(rule, _TIME_DEPENDENT):
        return True
    if isinstance(rule, AnyOfRule):
        return any(isinstance(r, _TIME_DEPENDENT) for r in walk([rule]))
    return False


# How a rule is judged: `eligibility.judge`, or one answering from verdicts already judged.
Judge = Callable[[Any, Profile, date, date], Verdict]


def student_cycle(
    cycles: list[Cycle],
    rules: list[Any],
    profile: Profile,
    today: date,
    *,
    judge_rule: Judge = judge,
    candidates: list[_Candidate] | None = None,
) -> StudentCycle:
    """The cycle this student applies in, with the rules judged for it (`judge_rule`; the
    candidate days `cycle_candidates(cycles, today)` when they are not given)."""
    # What does not depend on the day is judged once; an unmet one rules every cycle out.
    fixed = {
        i: judge_rule(r, profile, today, today)
        for i, r in enumerate(rules)
        if not _time_dependent(r)
    }
    if candidates is None:
        candidates = cycle_candidates(cycles, today)
    if any(v.hard and v.status == "unmet" for v in fixed.values()):
        nearest = candidates[0] if candidates else None
        verdicts = [
            fixed[i]
            if i in fixed
            else judge_rule(r, profile, nearest.on if nearest else today, today)
            for i, r in enumerate(rules)
        ]
        return StudentCycle(
            "closed",
            nearest.opens if nearest else None,
            nearest.deadline if nearest else None,
            nearest.cycle.kind if nearest else "varies",
            None,
            nearest.cycle.read_for if nearest else None,
            nearest.projected if nearest else False,
            nearest.cycle.note if nearest else None,
            verdicts,
        )
    first_verdicts: list[Verdict] | None = None
    for c in candidates:
        verdicts = [
            fixed[i] if i in fixed else judge_rule(r, profile, c.on, today)
            for i, r in enumerate(rules)
        ]
        if first_verdicts is None:
            first_verdicts = verdicts
        if overall(verdicts) == "unmet":
            continue
        opens = c.opens
        if opens is None and c.deadline is not None:
            # No published opening date: a student who reaches the level only by the deadline
            # (a junior, for a seniors' award) can apply from the start of that school year.
            level_rules = [r for r in rules if isinstance(r, LevelRule)]
            now = [judge_rule(r, profile, today, today) for r in level_rules]
            if any(v.status == "unmet" for v in now):
                opens = date(school_year_end(c.deadline) - 1, SCHOOL_YEAR_STARTS, 1)
        later = opens is not None and opens > today
        return StudentCycle(
            "opens_later" if later else "open",
            opens,
            c.deadline,
            c.cycle.kind,
            _class_of(rules, c.on),
            c.cycle.read_for,
            c.projected,
            c.cycle.note,
            verdicts,
        )
    nearest = candidates[0] if candidates else None
    return StudentCycle(
        "closed",
        nearest.opens if nearest else None,
        nearest.deadline if nearest else None,
        nearest.cycle.kind if nearest else "varies",
        _class_of(rules, nearest.on) if nearest else None,
        nearest.cycle.read_for if nearest else None,
        nearest.projected if nearest else False,
        nearest.cycle.note if nearest else None,
        first_verdicts or [judge_rule(r, profile, today, today) for r in rules],
    )


def next_deadline(cycles: list[Cycle], today: date) -> date | None:
    """The next fixed deadline of any cycle, for anyone (None: rolling or varying dates)."""
    upcoming = [c.deadline for c in cycle_candidates(cycles, today) if c.deadline is not None]
    return min(upcoming) if upcoming else None


def upcoming_cycles(cycles: list[Cycle], rules: list[Any], today: date) -> list[dict[str, Any]]:
    """Each cycle at its next occurrence, for anyone: dates projected from the cycle read, the
    graduating class a high-school programme's cycle is for."""
    out = []
    for cycle in cycles:
        nearest = next(
            (c for c in cycle_candidates([cycle], today) if c.deadline or c.opens is None), None
        )
        deadline = nearest.deadline if nearest else None
        opens = nearest.opens if nearest and nearest.deadline else None
        out.append(
            {
                "opens": opens.isoformat() if opens else None,
                "deadline": deadline.isoformat() if deadline else None,
                "kind": cycle.kind,
                "forGraduationYear": _class_of(rules, deadline or today),
                "readFor": cycle.read_for,
                "note": cycle.note,
            }
        )
    return out
