"""Matches, possible and opens-later: the whole catalogue judged for one student.

- match: every hard rule met or confirmed, in a cycle open now;
- possible: no hard rule unmet, at least one unknown — with the questions that decide it;
- opens later: no hard rule unmet for the student's cycle, which opens after today;
- anything with an unmet hard rule, or closed for the student's class, appears nowhere.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal, overload

import numpy as np
import numpy.typing as npt

from scholarlink.domain.cycles import Judge, StudentCycle, student_cycle
from scholarlink.domain.eligibility import Profile, Verdict, judge, overall
from scholarlink.domain.prefilter import GROUPS, CompiledCatalogue, Summary, compile_catalogue
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
    matches: Sequence[Judged] = field(default_factory=list)
    possible: Sequence[Judged] = field(default_factory=list)
    opens_later: Sequence[Judged] = field(default_factory=list)

    def top_questions(self, limit: int = 5) -> list[tuple[Question, int, int]]:
        """The questions that unlock the most money among the possible ones:
        (question, programmes it decides, dollars at stake)."""
        money: dict[Question, int] = defaultdict(int)
        count: dict[Question, int] = defaultdict(int)
        for j in [*self.possible, *self.opens_later]:
            for q in j.questions:
                money[q] += amount_of(j.entry)
                count[q] += 1
        ordered = sorted(money, key=lambda q: (-money[q], -count[q], q.question))
        return [(q, count[q], money[q]) for q in ordered[:limit]]


def judge_entry(
    entry: CatalogueEntry,
    key: Any,
    profile: Profile,
    today: date,
    *,
    judge_rule: Judge = judge,
    candidates: list[Any] | None = None,
) -> Judged | None:
    """The verdict for one programme, or None when it is not for this student (`judge_rule`
    and `candidates` as `cycles.student_cycle` takes them)."""
    if entry.status != "active":
        return None
    cycle = student_cycle(
        entry.cycles,
        list(entry.rules),
        profile,
        today,
        judge_rule=judge_rule,
        candidates=candidates,
    )
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


def _exact(
    entries: Sequence[tuple[Any, CatalogueEntry]], profile: Profile, today: date
) -> list[Judged]:
    return [j for key, e in entries if (j := judge_entry(e, key, profile, today)) is not None]


def _order(judged: list[Judged], group: Group, no_essay_first: bool) -> list[Judged]:
    if group == "opens_later":
        return sorted(
            judged, key=lambda j: (j.cycle.opens or date.max, -j.rank.value, j.entry.slug)
        )

    def order(j: Judged) -> tuple[Any, ...]:
        essay_last = bool(j.entry.effort.essay) if no_essay_first else False
        return (essay_last, -j.rank.value, j.entry.slug)

    return sorted(judged, key=order)


# Results a group orders at first: a page of each (the matches service keeps 60); reading
# further orders twice as many, and so on.
FIRST_ORDERED = 64


class JudgedList(Sequence[Judged]):
    """One group's results, best first. The count is exact from the start and the order as far
    as it has been read (the best `FIRST_ORDERED` are picked out of the group without sorting
    all of it); each result's verdicts, questions and rank are built (by `judge_entry`) when
    first looked at."""

    def __init__(
        self,
        catalogue: CompiledCatalogue,
        summary: Summary,
        keys: tuple[npt.NDArray[Any], ...],
        done: dict[int, Judged],
        group: Group,
    ) -> None:
        self._catalogue, self._summary, self._keys, self._done = catalogue, summary, keys, done
        self._group = group
        self._order: list[int] = []

    def __len__(self) -> int:
        return len(self._keys[-1])

    def _at(self, n: int) -> Judged:
        if n >= len(self._order):
            self._order = first_in_order(self._keys, max(2 * n + 2, FIRST_ORDERED)).tolist()
        i = self._order[n]
        judged = self._done.get(i)
        if judged is None:
            judged = _built(self._catalogue, self._summary, i)
            if judged is None or judged.group != self._group:
                raise RuntimeError(
                    f"the compiled catalogue misjudged {self._catalogue.entries[i][1].slug}"
                )
            self._done[i] = judged
        return judged

    @overload
    def __getitem__(self, n: int) -> Judged: ...
    @overload
    def __getitem__(self, n: slice) -> list[Judged]: ...
    def __getitem__(self, n: int | slice) -> Judged | list[Judged]:
        if isinstance(n, slice):
            return [self._at(i) for i in range(*n.indices(len(self)))]
        return self._at(range(len(self))[n])

    def __add__(self, other: Sequence[Judged]) -> list[Judged]:
        return [*self, *other]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence):
            return NotImplemented
        return len(self) == len(other) and all(a == b for a, b in zip(self, other, strict=True))

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"JudgedList({self._group}, {len(self)} results)"


def _built(catalogue: CompiledCatalogue, summary: Summary, i: int) -> Judged | None:
    """Entry i judged in full, from the verdicts its summary was judged from."""
    key, entry = catalogue.entries[i]
    st = summary.student
    return judge_entry(
        entry,
        key,
        st.profile,
        st.today,
        judge_rule=catalogue.remembered(i, summary),
        candidates=catalogue.candidates_of(i, st.today),
    )


def first_in_order(keys: tuple[npt.NDArray[Any], ...], k: int) -> npt.NDArray[Any]:
    """The last key of the k first rows ordered by every key in turn (the last one distinct),
    picking them out by the first two keys before sorting only those."""
    n = len(keys[-1])
    if k < n:
        first, second = keys[0], keys[1]
        # The k-th smallest first key; under it everything is taken, at it the best second keys
        # (with all their ties: the later keys decide among those).
        edge = np.partition(first, k - 1)[k - 1]
        below = first < edge
        at_edge = first == edge
        left = k - int(below.sum())
        cut = np.partition(second[at_edge], left - 1)[left - 1]
        rows = np.flatnonzero(below | (at_edge & (second <= cut)))
    else:
        rows = np.arange(n)
    order = rows[np.lexsort(tuple(key[rows] for key in reversed(keys)))]
    return keys[-1][order[:k]]


def match_all(
    entries: CompiledCatalogue | Sequence[tuple[Any, CatalogueEntry]],
    profile: Profile,
    today: date,
    *,
    no_essay_first: bool = False,
    prefilter: bool = True,
) -> MatchResult:
    """Every programme judged for one student, each group best first.

    A compiled catalogue (compile it once per catalogue version) is judged column-wise: what is
    ruled out is never looked at, and each result is built only when read. `prefilter=False`
    judges every entry one by one — the reference the columns are tested against."""
    if not prefilter:
        rows = entries.entries if isinstance(entries, CompiledCatalogue) else entries
        judged = _exact(rows, profile, today)
        return MatchResult(
            *(
                _order([j for j in judged if j.group == g], g, no_essay_first)
                for g in ("match", "possible", "opens_later")
            )
        )
    catalogue = entries if isinstance(entries, CompiledCatalogue) else compile_catalogue(entries)
    s = catalogue.summarise(profile, today)
    done: dict[int, Judged] = {}
    index, group, value, opens = [s.index], [s.group], [s.value], [s.opens]
    for i in s.undecided.tolist():
        j = _built(catalogue, s, i)
        if j is not None:
            done[i] = j
            index.append(np.array([i]))
            group.append(np.array([GROUPS.index(j.group)]))
            value.append(np.array([j.rank.value]))
            opens.append(np.array([j.cycle.opens.toordinal() if j.cycle.opens else -1]))
    at = np.concatenate(index)
    g, v, o = np.concatenate(group), np.concatenate(value), np.concatenate(opens)
    slug = catalogue.slug_rank[at]
    lists = []
    for code, name in enumerate(GROUPS):
        mine = np.flatnonzero(g == code)
        if name == "opens_later":
            first = np.where(o[mine] < 0, date.max.toordinal(), o[mine])
        elif no_essay_first:
            first = catalogue.essay[at[mine]].astype(np.int64)
        else:
            first = np.zeros(len(mine), dtype=np.int64)
        # Ties keep catalogue order (the entry's index last), as a stable sort does.
        keys = (first, -v[mine], slug[mine], at[mine])
        lists.append(JudgedList(catalogue, s, keys, done, name))  # type: ignore[arg-type]
    return MatchResult(*lists)
