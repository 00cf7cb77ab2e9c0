"""Matches, possible and opens-later: the whole catalogue judged for one student.

- match: every hard rule met or confirmed, in a cycle open now;
- possible: no hard rule unmet, at least one unknown — with the questions that decide it;
- opens later: no hard rule unmet for the student's cycle, which opens after today;
- anything with an unmet hard rule, or closed for the student's class, appears nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from scholarlink.domain.cycles import StudentCycle, student_cycle
from scholarlink.domain.eligibility import Profile, Verdict, overall
from scholarlink.domain.ranking import Rank, amount_of, rank
from scholarlink.domain.rules import CatalogueEntry

Group = Literal["match", "possible", "opens_later"]


@dataclass(frozen=True)
class Question:
    field: str
    question: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "question": self.question}


@dataclass(frozen=True)
class Judged:
    entry: CatalogueEntry
    key: Any  # the caller's id for the entry (a row id)
    group: Group
    cycle: StudentCycle
    verdicts: list[Verdict]
    questions: list[Question]
    rank: Rank


@dataclass
class MatchResult:
    matches: list[Judged] = field(default_factory=list)
    possible: list[Judged] = field(default_factory=list)
    opens_later: list[Judged] = field(default_factory=list)

    def top_questions(self, limit: int = 5) -> list[tuple[Question, int, int]]:
        """The questions that unlock the most money among the possible ones:
        (question, programmes it decides, dollars at stake)."""
        money: dict[Question, int] = defaultdict(int)
        count: dict[Question, int] = defaultdict(int)
        for j in self.possible + self.opens_later:
            for q in j.questions:
                money[q] += amount_of(j.entry)
                count[q] += 1
        ordered = sorted(money, key=lambda q: (-money[q], -count[q], q.question))
        return [(q, count[q], money[q]) for q in ordered[:limit]]


def judge_entry(entry: CatalogueEntry, key: Any, profile: Profile, today: date) -> Judged | None:
    """The verdict for one programme, or None when it is not for this student."""
    if entry.status != "active":
        return None
    cycle = student_cycle(entry.cycles, list(entry.rules), profile, today)
    if cycle.state == "closed":
        return None
    verdicts = cycle.verdicts
    status = overall(verdicts)
    if status == "unmet":
        return None
    questions = []
    seen = set()
    for v in verdicts:
        if v.hard and v.status == "unknown" and v.field and v.question and v.field not in seen:
            seen.add(v.field)
            questions.append(Question(v.field, v.question))
    soft_met = sum(1 for v in verdicts if not v.hard and v.status in ("met", "confirmed"))
    r = rank(
        entry,
        open_questions=len(questions),
        deadline=cycle.deadline,
        today=today,
        soft_met=soft_met,
    )
    if cycle.state == "opens_later":
        group: Group = "opens_later"
    elif status == "unknown":
        group = "possible"
    else:
        group = "match"
    return Judged(entry, key, group, cycle, verdicts, questions, r)


def match_all(
    entries: list[tuple[Any, CatalogueEntry]],
    profile: Profile,
    today: date,
    *,
    no_essay_first: bool = False,
) -> MatchResult:
    result = MatchResult()
    for key, entry in entries:
        judged = judge_entry(entry, key, profile, today)
        if judged is None:
            continue
        {"match": result.matches, "possible": result.possible, "opens_later": result.opens_later}[
            judged.group
        ].append(judged)

    def order(j: Judged) -> tuple[Any, ...]:
        essay_last = bool(j.entry.effort.essay) if no_essay_first else False
        return (essay_last, -j.rank.value, j.entry.slug)

    result.matches.sort(key=order)
    result.possible.sort(key=order)
    result.opens_later.sort(key=lambda j: (j.cycle.opens or date.max, -j.rank.value, j.entry.slug))
    return result
