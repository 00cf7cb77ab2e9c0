"""The whole catalogue judged for one student in NumPy: which entries are ruled out, and for the
rest their group and rank value, so the exact engine materialises only what is looked at.

Compiled once per catalogue (`compile_catalogue`): every distinct top-level rule is interned
(catalogues repeat the same level, state, citizenship or GPA rule across many programmes), each
entry becomes the ids of its rules (a CSR layout), and its cycles the id of a distinct cycle set.

For one student, each distinct rule is judged by the exact engine (`eligibility.judge`) once per
school year the student's cycle can fall in (the standing — level, class year — is the same all
school year); an age rule from the age on each candidate day. Entry verdicts are then gathers
and counts over those arrays, and the cycle choice of `cycles.student_cycle` (the first
candidate with no hard rule unmet) is replayed column-wise.

- `ruled_out` / `survivors`: the prefilter. Conservative by construction: an entry is dropped
  only when one of its hard rules is unmet on every day the engine could judge it, so
  `student_cycle` would call it closed. An either/or group holding an age rule is passed through.
- `summarise`: group, rank value and opening day of the surviving entries the columns can decide
  (every entry but those with an either/or group holding an age rule, which the exact engine
  judges); the engine orders on these and builds each result's full verdicts only on demand.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import numpy.typing as npt

from scholarlink.domain.cycles import HORIZON_YEARS, cycle_candidates
from scholarlink.domain.eligibility import Profile, judge
from scholarlink.domain.ranking import amount_of, award_probability, effort_factor
from scholarlink.domain.rules import (
    AgeRule,
    AnyOfRule,
    CatalogueEntry,
    ConfirmRule,
    GpaRule,
    LevelRule,
    UnrecordedRule,
    walk,
)
from scholarlink.domain.standing import SCHOOL_YEAR_STARTS, age_on, school_year_end

# How a rule's verdict depends on the day it is judged on.
DAY_FREE, SCHOOL_YEAR, AGE, UNDECIDED = 0, 1, 2, 3
# Verdict codes, ordered as `eligibility.overall` ranks them.
MET, CONFIRMED, UNKNOWN, UNMET = 0, 1, 2, 3
_CODE = {"met": MET, "confirmed": CONFIRMED, "unknown": UNKNOWN, "unmet": UNMET}
# Groups, as the engine names them.
GROUPS = ("match", "possible", "opens_later")
_AGE_FIELD = "birth_date"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]


def dependence(rule: Any) -> int:
    """DAY_FREE: judged once; SCHOOL_YEAR: through the student's standing only (level, GPA
    scope), so one judgement per school year is exact; AGE: a plain age rule; UNDECIDED: an
    either/or group holding an age rule (never dropped, judged by the exact engine)."""
    if isinstance(rule, AgeRule):
        return AGE
    nested = walk([rule])
    if isinstance(rule, AnyOfRule) and any(isinstance(r, AgeRule) for r in nested):
        return UNDECIDED
    if any(isinstance(r, LevelRule | GpaRule) for r in nested):
        return SCHOOL_YEAR
    return DAY_FREE


def judging_window(today: date) -> tuple[date, date]:
    """Every day `cycles.student_cycle` may judge rules on lies in this window: deadlines are
    projected at most HORIZON_YEARS - 1 years past this year, school-year starts HORIZON_YEARS."""
    return today, date(today.year + HORIZON_YEARS, 12, 31)


def school_years(today: date) -> list[int]:
    first, last = judging_window(today)
    return list(range(school_year_end(first), school_year_end(last) + 1))


@dataclass(frozen=True)
class RuleVerdicts:
    """Each distinct rule's verdict for one student, per school year of the judging window."""

    code: npt.NDArray[np.int8]  # (rules, years)
    question_field: npt.NDArray[np.int32]  # (rules, years): id of the field an unknown asks, or -1
    field_count: int
    ruled_out: BoolArray  # (rules,): unmet on every day of the window


@dataclass(frozen=True)
class _Candidates:
    """The candidate days of each distinct cycle set for one `today` (padded to the longest)."""

    valid: BoolArray  # (cycle sets, K)
    year: IntArray  # index into school_years(today)
    on_year: IntArray
    on_month_day: IntArray  # month * 100 + day
    opens: IntArray  # date ordinal, -1 when not published
    deadline: IntArray  # date ordinal, -1 when rolling / varying
    opens_for_later_level: IntArray  # the opening used when the level is reached only later


@dataclass(frozen=True)
class Summary:
    """Surviving entries the columns decided (`index` into the catalogue), and the rest."""

    index: IntArray
    group: IntArray  # index into GROUPS
    value: FloatArray  # Rank.value, bit for bit
    opens: IntArray  # date ordinal of the student's cycle opening, -1 when none
    undecided: IntArray  # survivors for the exact engine


@dataclass(frozen=True)
class CompiledCatalogue:
    """A catalogue's entries with their rules interned into NumPy columns.

    `rules[i]` is the i-th distinct top-level rule (hard and soft count as distinct); the pairs
    (`pair_entry`, `pair_rule`) list each entry's rules, sorted by entry."""

    entries: tuple[tuple[Any, CatalogueEntry], ...]
    active: BoolArray
    rules: tuple[Any, ...]
    rule_dependence: npt.NDArray[np.int8]
    rule_hard: BoolArray
    rule_is_level: BoolArray
    # Requirements to confirm (confirm, unrecorded): the id of the answer that settles each
    # (-1 for other rules), the ids by answer field, the rules by question key.
    rule_answer_field: IntArray
    blank_code: npt.NDArray[np.int8]  # UNKNOWN for requirements to confirm, else MET
    judged_rules: IntArray  # the others, judged for each student
    answer_ids: dict[str, int]
    answer_rules: dict[str, list[int]]
    age_min: FloatArray  # per rule; NaN when none (or not an age rule)
    age_max: FloatArray
    pair_entry: IntArray
    pair_rule: IntArray
    pair_starts: IntArray  # (entries + 1,): entry e's pairs are pair_starts[e]:pair_starts[e + 1]
    undecided_entry: BoolArray  # holds an either/or group with an age rule
    cycle_set: IntArray  # per entry: id into cycle_sets
    cycle_sets: tuple[list[Any], ...]
    base_value: tuple[FloatArray, FloatArray, FloatArray]  # P(award), amount, effort
    essay: BoolArray
    slug_rank: IntArray
    _by_day: dict[date, _Candidates] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.entries)

    def verdicts(self, profile: Profile, today: date) -> RuleVerdicts:
        years = school_years(today)
        # One day in each school year stands for all of it.
        days = [date(y - 1, SCHOOL_YEAR_STARTS, 1) for y in years]
        first, last = judging_window(today)
        # Requirements to confirm start unknown, asking their answer; the rest is filled below.
        code = np.repeat(self.blank_code[:, None], len(years), axis=1)
        asks = np.repeat(self.rule_answer_field[:, None], len(years), axis=1).astype(np.int32)
        # Questions answered by a stored answer have ids fixed at compile time; the others
        # (profile fields) are numbered after them.
        answer_ids = self.answer_ids
        fields: dict[str, int] = {_AGE_FIELD: len(answer_ids)}

        def field_id(name: str) -> int:
            known = answer_ids.get(name)
            return (
                known
                if known is not None
                else fields.setdefault(name, len(answer_ids) + len(fields))
            )

        ruled_out = np.zeros(len(self.rules), dtype=np.bool_)
        # A requirement to confirm is unknown until answered: only the answered ones are judged.
        answered = [i for key in profile.answers for i in self.answer_rules.get(key, ())]
        for i in [*self.judged_rules.tolist(), *answered]:
            rule = self.rules[i]
            kind = self.rule_dependence[i]
            if kind in (DAY_FREE, SCHOOL_YEAR):
                on = [today] if kind == DAY_FREE else days
                for y, day in enumerate(on):
                    v = judge(rule, profile, day, today)
                    code[i, y] = _CODE[v.status]
                    if v.status == "unknown" and v.field and v.question:
                        asks[i, y] = field_id(v.field)
                    else:
                        asks[i, y] = -1
                if kind == DAY_FREE:
                    code[i, 1:], asks[i, 1:] = code[i, 0], asks[i, 0]
                ruled_out[i] = bool((code[i] == UNMET).all())
            elif kind == AGE and profile.birth_date is not None:
                youngest, oldest = (
                    age_on(profile.birth_date, first),
                    age_on(profile.birth_date, last),
                )
                ruled_out[i] = (rule.min is not None and oldest < rule.min) or (
                    rule.max is not None and youngest > rule.max
                )
        return RuleVerdicts(code, asks, len(answer_ids) + len(fields), ruled_out)

    def survivors(self, profile: Profile, today: date) -> IntArray:
        """Indices (into `entries`, ascending) that are not ruled out for this student."""
        return self._survivors(self.verdicts(profile, today))

    def _survivors(self, rv: RuleVerdicts) -> IntArray:
        bad = (rv.ruled_out & self.rule_hard)[self.pair_rule]
        return np.flatnonzero(self.active & ~per_entry_any(bad, self.pair_starts))

    def _candidates(self, today: date) -> _Candidates:
        if today not in self._by_day:
            self._by_day.clear()  # one day at a time: the cache follows the calendar
            years = {y: i for i, y in enumerate(school_years(today))}
            table = [cycle_candidates(cycles, today) for cycles in self.cycle_sets]
            k = max((len(t) for t in table), default=0) or 1
            shape = (len(table), k)
            valid = np.zeros(shape, dtype=np.bool_)
            year, on_year, on_md = (np.zeros(shape, dtype=np.int64) for _ in range(3))
            opens, deadline, later = (np.full(shape, -1, dtype=np.int64) for _ in range(3))
            for s, cands in enumerate(table):
                for j, c in enumerate(cands):
                    valid[s, j] = True
                    year[s, j] = years[school_year_end(c.on)]
                    on_year[s, j], on_md[s, j] = c.on.year, c.on.month * 100 + c.on.day
                    if c.opens is not None:
                        opens[s, j] = c.opens.toordinal()
                    if c.deadline is not None:
                        deadline[s, j] = c.deadline.toordinal()
                        start = date(school_year_end(c.deadline) - 1, SCHOOL_YEAR_STARTS, 1)
                        later[s, j] = start.toordinal()
            self._by_day[today] = _Candidates(valid, year, on_year, on_md, opens, deadline, later)
        return self._by_day[today]

    def summarise(self, profile: Profile, today: date) -> Summary:
        """Replays `student_cycle`, `judge_entry` and `rank` over the columns for every
        surviving entry they can decide."""
        rv = self.verdicts(profile, today)
        alive = self._survivors(rv)
        undecided = alive[self.undecided_entry[alive]]
        idx = alive[~self.undecided_entry[alive]]
        m = len(idx)
        local = np.full(len(self.entries), -1, dtype=np.int64)
        local[idx] = np.arange(m)
        on_pairs = local[self.pair_entry] >= 0
        pe = local[self.pair_entry[on_pairs]]  # entry (0..m-1) of each pair
        pr = self.pair_rule[on_pairs]
        hard = self.rule_hard[pr]
        is_age = self.rule_dependence[pr] == AGE
        cand = self._candidates(today)
        sets = self.cycle_set[idx]
        k = cand.valid.shape[1]

        # The first candidate with no hard rule unmet: most entries open on their first, so
        # each round judges only the pairs of entries still without one.
        # A rule judged once has one verdict for every candidate, and an unmet hard one has
        # already ruled its entry out: only rules that depend on the day are judged per round.
        code, ask = rv.code[pr, 0], rv.question_field[pr, 0]
        by_day = np.flatnonzero(self.rule_dependence[pr] != DAY_FREE)
        chosen = np.full(m, -1, dtype=np.int64)
        pending = np.ones(m, dtype=np.bool_)
        for j in range(k):
            at = by_day if j == 0 else by_day[pending[pe[by_day]]]
            owner = pe[at]
            y = cand.year[sets, j][owner]
            c, a = rv.code[pr[at], y], rv.question_field[pr[at], y]
            ages = is_age[at]
            if ages.any():
                age_owner = sets[owner[ages]]
                c[ages], a[ages] = self._age_codes(
                    pr[at][ages],
                    profile,
                    cand.on_year[age_owner, j],
                    cand.on_month_day[age_owner, j],
                )
            unmet = np.bincount(owner[hard[at] & (c == UNMET)], minlength=m)
            now_open = pending & cand.valid[sets, j] & (unmet == 0)
            chosen[now_open] = j
            take = now_open[owner]
            code[at[take]], ask[at[take]] = c[take], a[take]
            pending &= ~now_open
            if not pending.any():
                break
        found = chosen >= 0
        chosen[~found] = 0
        # Pairs of entries closed for the student take no part in the counts below.
        hard = hard & found[pe]
        soft = ~self.rule_hard[pr] & found[pe]

        unknown = np.bincount(pe[hard & (code == UNKNOWN)], minlength=m) > 0
        asked = hard & (code == UNKNOWN) & (ask >= 0)
        # Distinct questions per entry (the same field asked twice is one question).
        pairs = np.sort(pe[asked] * rv.field_count + ask[asked].astype(np.int64))
        distinct = pairs[np.r_[True, pairs[1:] != pairs[:-1]]] if len(pairs) else pairs
        questions = np.bincount(distinct // rv.field_count, minlength=m)
        soft_met = np.bincount(pe[soft & (code <= CONFIRMED)], minlength=m)
        # A level not reached today: without a published opening, the school year it is for.
        levels = np.flatnonzero(self.rule_is_level[pr])
        level_now = levels[rv.code[pr[levels], 0] == UNMET]
        level_later = np.bincount(pe[level_now], minlength=m) > 0

        opens = cand.opens[sets, chosen]
        deadline = cand.deadline[sets, chosen]
        later_start = (opens < 0) & (deadline >= 0) & level_later
        opens = np.where(later_start, cand.opens_for_later_level[sets, chosen], opens)
        now = today.toordinal()
        group = np.where((opens >= 0) & (opens > now), 2, np.where(unknown, 1, 0))
        days = deadline - now
        time = np.where(deadline < 0, 1.0, np.where(days < 7, 0.7, np.where(days < 14, 0.85, 1.0)))
        p_award, amount, effort = (a[idx] for a in self.base_value)
        # The same products in the same order as ranking.rank, so values agree bit for bit.
        value = np.ldexp(1.0, -questions) * p_award * amount * effort * time * (1 + 0.05 * soft_met)
        return Summary(idx[found], group[found], value[found], opens[found], undecided)

    def _age_codes(
        self, rules: IntArray, profile: Profile, year: IntArray, month_day: IntArray
    ) -> tuple[npt.NDArray[np.int8], npt.NDArray[np.int32]]:
        n = len(rules)
        if profile.birth_date is None:
            return np.full(n, UNKNOWN, dtype=np.int8), np.full(n, len(self.answer_ids), np.int32)
        b = profile.birth_date
        age = year - b.year - (month_day < b.month * 100 + b.day)
        lo, hi = self.age_min[rules], self.age_max[rules]
        ok = ~(age < lo) & ~(age > hi)  # NaN bounds compare False: no bound
        return np.where(ok, MET, UNMET).astype(np.int8), np.full(n, -1, dtype=np.int32)


def per_entry_any(flags: BoolArray, starts: IntArray) -> BoolArray:
    """For pairs sorted by entry, whether any of each entry's pairs is flagged."""
    padded = np.append(flags, False)  # reduceat needs every start in range
    out = np.logical_or.reduceat(padded, starts[:-1])
    out[starts[:-1] == starts[1:]] = False  # an entry without pairs: reduceat reads its neighbour
    return np.asarray(out, dtype=np.bool_)


def _rule_key(rule: Any) -> str:
    return str(rule.model_dump_json())


def _cycles_key(cycles: list[Any]) -> str:
    return "|".join(c.model_dump_json() for c in cycles)


def compile_catalogue(entries: Sequence[tuple[Any, CatalogueEntry]]) -> CompiledCatalogue:
    """Intern the top-level rules and cycle sets of every entry (once per catalogue version)."""
    ids: dict[str, int] = {}
    rules: list[Any] = []
    pair_entry: list[int] = []
    pair_rule: list[int] = []
    set_ids: dict[str, int] = {}
    cycle_sets: list[list[Any]] = []
    cycle_set: list[int] = []
    for n, (_, entry) in enumerate(entries):
        for rule in entry.rules:
            key = _rule_key(rule)
            i = ids.get(key)
            if i is None:
                i = ids[key] = len(rules)
                rules.append(rule)
            pair_entry.append(n)
            pair_rule.append(i)
        ckey = _cycles_key(list(entry.cycles))
        if ckey not in set_ids:
            set_ids[ckey] = len(cycle_sets)
            cycle_sets.append(list(entry.cycles))
        cycle_set.append(set_ids[ckey])
    dep = np.array([dependence(r) for r in rules], dtype=np.int8)
    answer_ids: dict[str, int] = {}
    answer_rules: dict[str, list[int]] = {}
    answer_field = np.full(len(rules), -1, dtype=np.int64)
    blank, day = Profile(), date(2000, 1, 1)
    for i, rule in enumerate(rules):
        if isinstance(rule, ConfirmRule | UnrecordedRule):
            asked = judge(rule, blank, day, day).field or ""  # "answer:<question key>"
            answer_field[i] = answer_ids.setdefault(asked, len(answer_ids))
            answer_rules.setdefault(asked.removeprefix("answer:"), []).append(i)
    p_entry = np.array(pair_entry, dtype=np.int64)
    p_rule = np.array(pair_rule, dtype=np.int64)
    undecided = np.zeros(len(entries), dtype=np.bool_)
    undecided[p_entry[dep[p_rule] == UNDECIDED]] = True
    nan = float("nan")
    slugs = np.array([e.slug for _, e in entries], dtype=object)
    _, slug_rank = np.unique(slugs, return_inverse=True) if len(slugs) else ((), slugs)
    return CompiledCatalogue(
        entries=tuple(entries),
        active=np.array([e.status == "active" for _, e in entries], dtype=np.bool_),
        rules=tuple(rules),
        rule_dependence=dep,
        rule_hard=np.array([bool(r.hard) for r in rules], dtype=np.bool_),
        rule_is_level=np.array([isinstance(r, LevelRule) for r in rules], dtype=np.bool_),
        rule_answer_field=answer_field,
        blank_code=np.where(answer_field >= 0, UNKNOWN, MET).astype(np.int8),
        judged_rules=np.flatnonzero(answer_field < 0),
        answer_ids=answer_ids,
        answer_rules=answer_rules,
        age_min=np.array(
            [r.min if isinstance(r, AgeRule) and r.min is not None else nan for r in rules],
            dtype=np.float64,
        ),
        age_max=np.array(
            [r.max if isinstance(r, AgeRule) and r.max is not None else nan for r in rules],
            dtype=np.float64,
        ),
        pair_entry=p_entry,
        pair_rule=p_rule,
        pair_starts=np.searchsorted(p_entry, np.arange(len(entries) + 1)),
        undecided_entry=undecided,
        cycle_set=np.array(cycle_set, dtype=np.int64),
        cycle_sets=tuple(cycle_sets),
        base_value=(
            np.array([award_probability(e)[0] for _, e in entries], dtype=np.float64),
            np.array([amount_of(e) for _, e in entries], dtype=np.float64),
            np.array([effort_factor(e)[0] for _, e in entries], dtype=np.float64),
        ),
        essay=np.array([bool(e.effort.essay) for _, e in entries], dtype=np.bool_),
        slug_rank=np.asarray(slug_rank, dtype=np.int64),
    )
