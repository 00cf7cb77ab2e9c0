"""The whole catalogue judged for one student in NumPy: which entries are ruled out, and for the
rest their group and rank value, so the exact engine materialises only what is looked at.

Compiled once per catalogue (`compile_catalogue`), everything that does not depend on the
student is settled there:

- every distinct top-level rule is interned (catalogues repeat the same level, state,
  citizenship or GPA rule across many programmes) and each entry is the ids of its rules;
- requirements to confirm (confirm, unrecorded: nine in ten entries, nearly all worded
  differently) are unknown until answered, so each entry's count of them and of the distinct
  questions they ask is tallied once; a student's answers adjust only the entries they name;
- the rules whose verdict depends on the school year (level, GPA, an either/or group of them)
  are interned per entry as one combination: a few thousand combinations cover 100k entries;
- an entry's hard age rules are folded into one youngest/oldest bound.

For one student, each distinct judged rule gets the exact engine's verdict (`eligibility.judge`)
once, a school-year rule once per standing the student has in the school years their cycle can
fall in (a senior, then an incoming college student...). A verdict becomes one word: unmet,
unknown, and a bit for the profile field an unknown asks; an entry's words are OR-ed (one
pass over its day-free rules, a table lookup for its combination), so its open questions on
profile fields are a popcount. The cycle choice of `cycles.student_cycle` (the first candidate
day with no hard rule unmet) is replayed column-wise on the combination's per-year verdicts and
the age bound, and the group and rank value follow, bit for bit.

- `survivors`: the prefilter, conservative by construction: an entry is dropped only when one of
  its hard rules is unmet on every day the engine could judge it (so `student_cycle` would call
  it closed). An either/or group holding an age rule is passed through.
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

from scholarlink.domain.cycles import HORIZON_YEARS, Judge, cycle_candidates
from scholarlink.domain.eligibility import Profile, Verdict, judge
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
from scholarlink.domain.standing import SCHOOL_YEAR_STARTS, age_on, school_year_end, standing_on

# How a rule's verdict depends on the day it is judged on.
DAY_FREE, SCHOOL_YEAR, AGE, UNDECIDED = 0, 1, 2, 3
# Verdict codes, ordered as `eligibility.overall` ranks them.
MET, CONFIRMED, UNKNOWN, UNMET = 0, 1, 2, 3
# Groups, as the engine names them.
GROUPS = ("match", "possible", "opens_later")

# A hard rule's verdict as a word (OR-ed over an entry's rules): unmet, unknown, and one bit per
# profile field an unknown asks (numbered per student in the order they are met).
_UNMET = np.uint64(1 << 62)
_UNKNOWN = np.uint64(1 << 61)
_FIELD_BITS = 61
_FIELDS = np.uint64((1 << _FIELD_BITS) - 1)
# And as a count (summed): questions settled by a stored answer, plus soft rules met × _SOFT.
_SOFT = 1 << 16
_ANSWER = "answer:"

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]
BoolArray = npt.NDArray[np.bool_]
WordArray = npt.NDArray[np.uint64]


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
class _Candidates:
    """The candidate days of each distinct cycle set for one `today` (padded to the longest)."""

    valid: BoolArray  # (cycle sets, K)
    year: IntArray  # index into school_years(today)
    on_year: IntArray
    on_month_day: IntArray  # month * 100 + day
    opens: IntArray  # date ordinal, -1 when not published
    deadline: IntArray  # date ordinal, -1 when rolling / varying
    opens_if_later: IntArray  # the opening when the level is reached only later
    time: FloatArray  # the rank's time factor
    lists: list[list[Any]]  # as cycle_candidates gives them


@dataclass(frozen=True)
class Summary:
    """Surviving entries the columns decided (`index` into the catalogue), and the rest."""

    index: IntArray
    group: IntArray  # index into GROUPS
    value: FloatArray  # Rank.value, bit for bit
    opens: IntArray  # date ordinal of the student's cycle opening, -1 when none
    undecided: IntArray  # survivors for the exact engine
    student: _Student  # the verdicts judged for it


@dataclass(frozen=True)
class _Student:
    """One student's verdicts: per judged rule, per entry where they do not depend on the day,
    per combination of school-year rules and school year."""

    profile: Profile
    today: date
    # Each judged rule's verdict (school-year rules: per school year, `years` by its end).
    df_verdicts: list[Verdict]
    sy_verdicts: list[list[Verdict]]
    years: dict[int, int]
    # The answer a hard unknown asks, by day-free rule, and by school-year rule and year.
    df_asked: dict[int, str]
    sy_asked: dict[int, list[str | None]]
    # Rules asking a question another rule may ask too (its entries are recounted one by one).
    df_shared: list[int]
    sy_shared: list[int]
    # Per entry: the word and count of what does not depend on the day (day-free rules,
    # requirements to confirm, being inactive, an age out of reach all window long).
    df_word: WordArray
    df_count: IntArray
    combo_word: WordArray  # (combinations, years)
    combo_count: IntArray
    combo_blocked: IntArray  # bit y: a hard rule unmet in school year y
    combo_level_unmet: BoolArray  # a level rule unmet today


@dataclass(frozen=True)
class CompiledCatalogue:
    """A catalogue's entries with their rules interned into NumPy columns.

    `rules[i]` is the i-th distinct top-level rule (hard and soft count as distinct); the pairs
    (`pair_entry`, `pair_rule`) list each entry's rules, sorted by entry. The rules judged for
    each student are numbered again among their kind: day-free (`day_free`) and school-year
    (`school_year`) ones (`rule_dense`); requirements to confirm and age rules are tallied."""

    entries: tuple[tuple[Any, CatalogueEntry], ...]
    rules: tuple[Any, ...]
    rule_dependence: npt.NDArray[np.int8]
    rule_hard: BoolArray
    pair_entry: IntArray
    pair_rule: IntArray
    pair_starts: IntArray  # (entries + 1,): entry e's pairs are pair_starts[e]:pair_starts[e + 1]
    undecided_entry: BoolArray  # holds an either/or group with an age rule
    day_free: tuple[Any, ...]
    school_year: tuple[Any, ...]
    school_year_level: tuple[bool, ...]
    rule_dense: IntArray  # rule -> id among day-free or school-year rules, -1 for the others
    # Each entry's day-free rules in slots: the k-th rules of every entry holding k + 1 or
    # more, as (entries, day-free ids); an entry's word is the OR over its slots.
    df_slots: tuple[tuple[IntArray, IntArray], ...]
    # Each entry's combination of school-year rules (0: none); each combination's rules (ids
    # among school-year rules, padded with one more id that stands for none).
    combo: IntArray
    combo_rule: IntArray
    combo_starts: IntArray
    combo_empty: BoolArray
    # Age: each entry's hard bounds (NaN: none), and its soft age rules one by one.
    age_min: FloatArray
    age_max: FloatArray
    hard_age: BoolArray
    hard_age_entry: IntArray
    any_hard_age_rule: AgeRule | None  # judged without a birth date: what every hard one says
    soft_age_entry: IntArray
    soft_age_min: FloatArray
    soft_age_max: FloatArray
    # Requirements to confirm: per entry, the hard ones and their distinct questions; by
    # question key (answer_ids), the entries holding it (answer_entry[answer_starts[k]:
    # answer_starts[k + 1]], hard or soft); each rule's key (None: not one).
    answer_hard: IntArray
    answer_questions: IntArray
    answer_ids: dict[str, int]
    answer_starts: IntArray
    answer_entry: IntArray
    answer_entry_hard: BoolArray
    answer_has_hard: BoolArray
    rule_answer_key: tuple[str | None, ...]
    dup_entry: BoolArray  # lists a judged rule twice (its question must count once)
    cycle_set: IntArray  # per entry: id into cycle_sets
    cycle_sets: tuple[list[Any], ...]
    base_word: WordArray  # inactive: unmet; a requirement to confirm: unknown
    base_value: FloatArray  # P(award) × amount × effort
    any_soft: bool  # a soft rule anywhere (else nothing raises a rank)
    essay: BoolArray
    slug_rank: IntArray
    _by_day: dict[date, _Candidates] = field(default_factory=dict, compare=False, repr=False)

    def __len__(self) -> int:
        return len(self.entries)

    # -- one student -------------------------------------------------------------------------

    def _student(self, profile: Profile, today: date) -> _Student:
        years = school_years(today)
        n_years = len(years)
        days = [date(y - 1, SCHOOL_YEAR_STARTS, 1) for y in years]
        # A school-year rule depends on the day only through the standing, the same all school
        # year: it is judged once per distinct standing (on the first school year with it).
        standings = [
            standing_on(profile.academic_level, profile.graduation_year, d, today) for d in days
        ]
        first_of: dict[Any, int] = {}
        same = [first_of.setdefault(s, y) for y, s in enumerate(standings)]
        distinct_years = list(first_of.values())
        fields: dict[str, int] = {}
        encoded: dict[tuple[str, str | None, bool], tuple[int, int]] = {}
        asked_by: dict[str, list[tuple[bool, int]]] = {}

        def encode(v: Verdict) -> tuple[int, int]:
            asks = v.field if v.status == "unknown" and v.question else None
            key = (v.status, asks, v.hard)
            known = encoded.get(key)
            if known is None:
                known = encoded[key] = _encode(v.status, asks, v.hard, fields)
            return known

        df_words: list[int] = []
        df_counts: list[int] = []
        df_asked: dict[int, str] = {}
        df_verdicts: list[Verdict] = []
        for j, rule in enumerate(self.day_free):
            v = judge(rule, profile, today, today)
            df_verdicts.append(v)
            w, c = encode(v)
            df_words.append(w)
            df_counts.append(c)
            if c == 1:  # a hard unknown asking a stored answer
                df_asked[j] = key = (v.field or "").removeprefix(_ANSWER)
                asked_by.setdefault(key, []).append((False, j))
        sy_words: list[list[int]] = []
        sy_counts: list[list[int]] = []
        level_unmet: list[bool] = []
        sy_asked: dict[int, list[str | None]] = {}
        sy_verdicts: list[list[Verdict]] = []
        for j, (rule, is_level) in enumerate(
            zip(self.school_year, self.school_year_level, strict=True)
        ):
            verdicts = {y: judge(rule, profile, days[y], today) for y in distinct_years}
            sy_verdicts.append([verdicts[y] for y in same])
            codes = {y: encode(v) for y, v in verdicts.items()}
            sy_words.append([codes[y][0] for y in same])
            sy_counts.append([codes[y][1] for y in same])
            level_unmet.append(is_level and verdicts[0].status == "unmet")
            if any(c == 1 for _, c in codes.values()):
                asks = {
                    y: (v.field or "").removeprefix(_ANSWER) if codes[y][1] == 1 else None
                    for y, v in verdicts.items()
                }
                sy_asked[j] = [asks[y] for y in same]
                for key in {k for k in asks.values() if k is not None}:
                    asked_by.setdefault(key, []).append((True, j))
        sy_words.append([0] * n_years)  # the padding: no rule
        sy_counts.append([0] * n_years)
        level_unmet.append(False)
        # The same question asked by two rules of an entry is one question: entries that may
        # hold two such rules are recounted one by one (`_answer_questions`).
        shared = [
            rule
            for key, rules in asked_by.items()
            if len(rules) > 1
            or (key in self.answer_ids and self.answer_has_hard[self.answer_ids[key]])
            for rule in rules
        ]

        # Requirements to confirm as tallied (unknown while one is open, one question each),
        # then the answers given, then the day-free rules on top.
        df_word, df_count = self.base_word.copy(), self.answer_questions.copy()
        given = [
            (self.answer_ids[k], a)
            for k, a in profile.answers.items()
            if k in self.answer_ids and (a is True or a is False)
        ]
        open_left = self.answer_hard.copy() if given else self.answer_hard
        for key_id, yes in given:
            span = slice(self.answer_starts[key_id], self.answer_starts[key_id + 1])
            holders, hard = self.answer_entry[span], self.answer_entry_hard[span]
            if not yes:
                df_word[holders[hard]] |= _UNMET
                continue
            e, n = np.unique(holders[hard], return_counts=True)
            open_left[e] -= n
            df_count[e] -= 1
            df_word[e[open_left[e] == 0]] &= ~_UNKNOWN
            e, n = np.unique(holders[~hard], return_counts=True)
            df_count[e] += n * _SOFT
        _over_slots(self.df_slots, np.array(df_words, dtype=np.uint64), np.bitwise_or, df_word)
        if any(df_counts):
            _over_slots(self.df_slots, np.array(df_counts), np.add, df_count)

        sy_word = np.array(sy_words, dtype=np.uint64)
        combo_word = _segments(
            np.bitwise_or, sy_word[self.combo_rule], self.combo_starts, self.combo_empty
        )
        combo_count = _segments(
            np.add, np.array(sy_counts)[self.combo_rule], self.combo_starts, self.combo_empty
        )
        unmet = ((combo_word & _UNMET) != 0).astype(np.int64)
        combo_blocked = (unmet << np.arange(n_years, dtype=np.int64)).sum(axis=1)
        combo_level_unmet = _segments(
            np.logical_or,
            np.array(level_unmet, dtype=np.bool_)[self.combo_rule],
            self.combo_starts,
            self.combo_empty,
        )

        # Hard age rules: without a birth date unknown, asking it; with one, unmet all window
        # long when the student is too young at its end or too old at its start.
        with_age = self.hard_age_entry
        if profile.birth_date is not None:
            first, last = judging_window(today)
            youngest, oldest = age_on(profile.birth_date, first), age_on(profile.birth_date, last)
            out = (oldest < self.age_min[with_age]) | (youngest > self.age_max[with_age])
            df_word[with_age[out]] |= _UNMET  # NaN bounds compare False: no bound
        elif self.any_hard_age_rule is not None:
            df_word[with_age] |= np.uint64(
                encode(judge(self.any_hard_age_rule, profile, today, today))[0]
            )
        return _Student(
            profile=profile,
            today=today,
            df_verdicts=df_verdicts,
            sy_verdicts=sy_verdicts,
            years={y: i for i, y in enumerate(years)},
            df_asked=df_asked,
            sy_asked=sy_asked,
            df_shared=[j for sy, j in shared if not sy],
            sy_shared=[j for sy, j in shared if sy],
            df_word=df_word,
            df_count=df_count,
            combo_word=combo_word,
            combo_count=combo_count,
            combo_blocked=combo_blocked,
            combo_level_unmet=combo_level_unmet,
        )

    def survivors(self, profile: Profile, today: date) -> IntArray:
        """Indices (into `entries`, ascending) that are not ruled out for this student."""
        st = self._student(profile, today)
        every_year = (1 << st.combo_word.shape[1]) - 1
        closed = ((st.df_word & _UNMET) != 0) | (st.combo_blocked == every_year)[self.combo]
        return np.flatnonzero(~closed)

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
            # Without a published opening, a fixed deadline's school year opens for a student
            # who reaches the level only by then.
            if_later = np.where((opens < 0) & (deadline >= 0), later, opens)
            days = deadline - today.toordinal()
            time = np.where((deadline >= 0) & (days < 14), np.where(days < 7, 0.7, 0.85), 1.0)
            self._by_day[today] = _Candidates(
                valid, year, on_year, on_md, opens, deadline, if_later, time, table
            )
        return self._by_day[today]

    def summarise(self, profile: Profile, today: date) -> Summary:
        """Replays `student_cycle`, `judge_entry` and `rank` over the columns for every
        surviving entry they can decide."""
        st = self._student(profile, today)
        # Entries blocked in every school year are left to the cycle choice (none opens).
        alive = np.flatnonzero((st.df_word & _UNMET) == 0)
        decided = ~self.undecided_entry[alive]
        undecided, idx = alive[~decided], alive[decided]
        cand = self._candidates(today)
        k = cand.valid.shape[1]
        at_first = np.take(self.cycle_set, idx) * k  # candidate j of entry n: at_first[n] + j
        blocked = np.take(st.combo_blocked, np.take(self.combo, idx))
        birth = profile.birth_date
        age = np.zeros(cand.valid.shape, dtype=np.int64)
        if birth is not None:
            age = cand.on_year - birth.year - (cand.on_month_day < birth.month * 100 + birth.day)
        by_age = birth is not None and len(self.hard_age_entry) > 0

        # The first candidate with no hard rule unmet. Day-free rules and requirements to
        # confirm are the same on every candidate (an unmet hard one closed the entry): only the
        # school year (through the combination) and the age can still rule a candidate out.
        # Most entries open on their first candidate; each round takes only those without one.
        chosen = np.full(len(idx), -1, dtype=np.int64)
        pending = np.arange(len(idx))
        for j in range(k):
            at = at_first[pending] + j
            ok = np.take(cand.valid, at) & (((blocked[pending] >> np.take(cand.year, at)) & 1) == 0)
            if by_age:
                aged = np.flatnonzero(np.take(self.hard_age, idx[pending]))
                a = np.take(age, at[aged])
                bounds = idx[pending[aged]]
                ok[aged] &= ~(a < self.age_min[bounds]) & ~(a > self.age_max[bounds])
            chosen[pending[ok]] = j
            pending = pending[~ok]
            if not len(pending):
                break
        if len(pending):
            found = chosen >= 0
            idx, at = idx[found], at_first[found] + chosen[found]
        else:
            at = at_first + chosen
        combo = np.take(self.combo, idx)
        year = np.take(cand.year, at)
        in_combo = combo * st.combo_word.shape[1] + year

        word = np.take(st.df_word, idx) | np.take(st.combo_word, in_combo)
        count = np.take(st.df_count, idx) + np.take(st.combo_count, in_combo)
        if birth is not None and len(self.soft_age_entry):
            count += _SOFT * self._soft_ages_met(idx, np.take(age, at))
        questions = np.bitwise_count(word & _FIELDS).astype(np.int64) + count % _SOFT
        for n in self._recounted(st, idx, combo).tolist():
            questions[n] = int(np.bitwise_count(word[n] & _FIELDS)) + self._answer_questions(
                st, int(idx[n]), int(year[n])
            )
        # A level not reached today: the opening for a student who reaches it later.
        opens = np.where(
            np.take(st.combo_level_unmet, combo),
            np.take(cand.opens_if_later, at),
            np.take(cand.opens, at),
        )
        unknown = ((word & _UNKNOWN) != 0).astype(np.int64)
        group = np.where(opens > today.toordinal(), 2, unknown)  # -1: no opening
        # The products of ranking.rank in its order, so values agree bit for bit (0.5 ** q is a
        # power of two: scaling by it first or last rounds alike).
        value = np.ldexp(np.take(self.base_value, idx), -questions) * np.take(cand.time, at)
        if self.any_soft:
            value *= 1 + 0.05 * (count // _SOFT)
        return Summary(idx, group, value, opens, undecided, st)

    # -- building one entry's result -----------------------------------------------------------

    def candidates_of(self, e: int, today: date) -> list[Any]:
        """Entry e's candidate days, as `cycles.cycle_candidates` gives them."""
        return self._candidates(today).lists[self.cycle_set[e]]

    def remembered(self, e: int, summary: Summary) -> Judge:
        """A judge for entry e's own rules that answers from the verdicts the summary's columns
        were judged from (the same verdicts: a day-free rule's does not depend on the day, a
        school-year rule's only on the school year), and judges anything else."""
        st = summary.student
        own = self.pair_rule[self.pair_starts[e] : self.pair_starts[e + 1]].tolist()
        ids = {id(rule): r for rule, r in zip(self.entries[e][1].rules, own, strict=True)}

        def judge_rule(rule: Any, profile: Profile, on: date, today: date) -> Verdict:
            r = ids.get(id(rule))
            if r is not None and profile is st.profile and today == st.today:
                dense = int(self.rule_dense[r])
                if dense >= 0 and self.rule_dependence[r] == DAY_FREE:
                    return st.df_verdicts[dense]
                year = st.years.get(school_year_end(on))
                if dense >= 0 and year is not None:
                    return st.sy_verdicts[dense][year]
            return judge(rule, profile, on, today)

        return judge_rule

    def _recounted(self, st: _Student, idx: IntArray, combo: IntArray) -> IntArray:
        """Positions (in `idx`) of the entries whose answer questions are counted one by one."""
        flagged = np.take(self.dup_entry, idx)
        if st.df_shared:
            mark = np.zeros(len(self.day_free), dtype=np.bool_)
            mark[st.df_shared] = True
            in_df = _over_slots(
                self.df_slots, mark, np.logical_or, np.zeros(len(self.entries), dtype=np.bool_)
            )
            flagged |= in_df[idx]
        if st.sy_shared:
            mark = np.zeros(len(self.school_year) + 1, dtype=np.bool_)
            mark[st.sy_shared] = True
            flagged |= _segments(
                np.logical_or, mark[self.combo_rule], self.combo_starts, self.combo_empty
            )[combo]
        return np.flatnonzero(flagged)

    def _soft_ages_met(self, idx: IntArray, age: IntArray) -> IntArray:
        """Per decided entry (`idx`, with its age on its chosen day), its soft age rules met."""
        at = np.searchsorted(idx, self.soft_age_entry)
        mine = at < len(idx)
        mine[mine] = idx[at[mine]] == self.soft_age_entry[mine]
        a = age[at[mine]]
        met = ~(a < self.soft_age_min[mine]) & ~(a > self.soft_age_max[mine])
        return np.bincount(at[mine][met], minlength=len(idx))

    def _answer_questions(self, st: _Student, e: int, year: int) -> int:
        """Entry e's distinct questions settled by a stored answer, one by one."""
        keys: set[str | None] = set()
        answers = st.profile.answers
        for r in self.pair_rule[self.pair_starts[e] : self.pair_starts[e + 1]].tolist():
            key = self.rule_answer_key[r]
            if not self.rule_hard[r]:
                continue
            if key is not None:
                if answers.get(key) is not True and answers.get(key) is not False:
                    keys.add(key)
            elif self.rule_dependence[r] == DAY_FREE:
                keys.add(st.df_asked.get(int(self.rule_dense[r])))
            elif self.rule_dependence[r] == SCHOOL_YEAR:
                asks = st.sy_asked.get(int(self.rule_dense[r]))
                keys.add(asks[year] if asks is not None else None)
        return len(keys - {None})


def _encode(status: str, asks: str | None, hard: bool, fields: dict[str, int]) -> tuple[int, int]:
    """A verdict's word and count (see _UNMET, _SOFT)."""
    if not hard:
        return 0, (_SOFT if status in ("met", "confirmed") else 0)
    if status == "unmet":
        return int(_UNMET), 0
    if status != "unknown":
        return 0, 0
    if not asks:
        return int(_UNKNOWN), 0
    if asks.startswith(_ANSWER):
        return int(_UNKNOWN), 1
    bit = fields.setdefault(asks, len(fields))
    if bit >= _FIELD_BITS:
        raise ValueError(f"more than {_FIELD_BITS} profile fields asked")
    return int(_UNKNOWN) | 1 << bit, 0


def _over_slots(
    slots: tuple[tuple[IntArray, IntArray], ...], per_rule: Any, ufunc: np.ufunc, out: Any
) -> Any:
    """Into `out`, per entry, `ufunc` (OR, +) of the values of its rules, slot by slot: within a
    slot each entry appears once, so every step is one gather and one in-place update."""
    for entries, rules in slots:
        out[entries] = ufunc(out[entries], per_rule[rules])
    return out


def _segments(ufunc: np.ufunc, values: Any, starts: IntArray, empty: BoolArray) -> Any:
    """`ufunc` reduced over each segment of `values` (segment i: starts[i]:starts[i + 1]); the
    values end with one identity element, so that every start is in range."""
    out = ufunc.reduceat(values, starts[:-1], axis=0)
    out[empty] = 0  # reduceat reads the next value for an empty segment
    return out


def _rule_key(rule: Any) -> str:
    return str(rule.model_dump_json())


def _cycles_key(cycles: list[Any]) -> str:
    return "|".join(c.model_dump_json() for c in cycles)


def _by_segment(owner: IntArray, n: int) -> tuple[IntArray, BoolArray]:
    """Starts (n + 1,) of the segments of values sorted by `owner`, and which are empty."""
    starts = np.searchsorted(owner, np.arange(n + 1))
    return starts, starts[:-1] == starts[1:]


def _slots(owner: IntArray, values: IntArray, n: int) -> tuple[tuple[IntArray, IntArray], ...]:
    """For values sorted by owner (< n): slot k holds each owner's k-th value."""
    starts, _ = _by_segment(owner, n)
    rank = np.arange(len(owner)) - starts[owner]
    return tuple(
        (owner[rank == k], values[rank == k]) for k in range(int(rank.max(initial=-1)) + 1)
    )


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
    n_entries = len(entries)
    dep = np.array([dependence(r) for r in rules], dtype=np.int8)
    hard = np.array([bool(r.hard) for r in rules], dtype=np.bool_)
    p_entry = np.array(pair_entry, dtype=np.int64)
    p_rule = np.array(pair_rule, dtype=np.int64)
    p_dep, p_hard = dep[p_rule], hard[p_rule]

    # Requirements to confirm: the question each asks (as a blank profile is asked it).
    blank, day = Profile(), date(2000, 1, 1)
    answer_key = tuple(
        (judge(r, blank, day, day).field or "").removeprefix(_ANSWER)
        if isinstance(r, ConfirmRule | UnrecordedRule)
        else None
        for r in rules
    )
    answer_ids: dict[str, int] = {}
    rule_key_id = np.array(
        [-1 if k is None else answer_ids.setdefault(k, len(answer_ids)) for k in answer_key],
        dtype=np.int64,
    )
    p_key = rule_key_id[p_rule]
    on_answer = p_key >= 0
    a_entry, a_key, a_hard = p_entry[on_answer], p_key[on_answer], p_hard[on_answer]
    n_keys = max(len(answer_ids), 1)
    distinct = np.unique(a_entry[a_hard] * n_keys + a_key[a_hard])
    by_key = np.lexsort((a_entry, a_key))
    answer_starts, _ = _by_segment(a_key[by_key], len(answer_ids))
    answer_has_hard = np.zeros(len(answer_ids), dtype=np.bool_)
    answer_has_hard[a_key[a_hard]] = True

    # Rules judged per student, numbered among their kind.
    judged = rule_key_id < 0
    day_free = np.flatnonzero(judged & (dep == DAY_FREE))
    school_year = np.flatnonzero(judged & (dep == SCHOOL_YEAR))
    rule_dense = np.full(len(rules), -1, dtype=np.int64)
    rule_dense[day_free] = np.arange(len(day_free))
    rule_dense[school_year] = np.arange(len(school_year))
    p_dense = rule_dense[p_rule]
    on_df = judged[p_rule] & (p_dep == DAY_FREE)
    on_sy = judged[p_rule] & (p_dep == SCHOOL_YEAR)
    # An entry listing one judged rule twice (its question is one question).
    n_rules = max(len(rules), 1)
    on_judged = on_df | on_sy
    listed, times = np.unique(p_entry[on_judged] * n_rules + p_rule[on_judged], return_counts=True)
    dup_entry = np.zeros(n_entries, dtype=np.bool_)
    dup_entry[listed[times > 1] // n_rules] = True

    # Each entry's school-year rules, interned as one combination.
    combos: dict[tuple[int, ...], int] = {(): 0}
    combo = np.zeros(n_entries, dtype=np.int64)
    sy_entry, sy_rule = p_entry[on_sy], p_dense[on_sy]
    sy_starts, sy_empty = _by_segment(sy_entry, n_entries)
    sy_list = sy_rule.tolist()
    for e in np.flatnonzero(~sy_empty).tolist():
        rules_of = tuple(sy_list[sy_starts[e] : sy_starts[e + 1]])
        combo[e] = combos.setdefault(rules_of, len(combos))
    combo_lists = list(combos)  # in id order
    combo_owner = np.array([c for c, rs in enumerate(combo_lists) for _ in rs], dtype=np.int64)
    combo_starts, combo_empty = _by_segment(combo_owner, len(combo_lists))

    # Age: hard bounds folded per entry (the oldest minimum, the youngest maximum).
    nan = float("nan")
    age_lo = np.array(
        [r.min if isinstance(r, AgeRule) and r.min is not None else nan for r in rules]
    )
    age_hi = np.array(
        [r.max if isinstance(r, AgeRule) and r.max is not None else nan for r in rules]
    )
    on_age = p_dep == AGE
    hard_age_pairs = on_age & p_hard
    age_min, age_max = np.full(n_entries, nan), np.full(n_entries, nan)
    np.fmax.at(age_min, p_entry[hard_age_pairs], age_lo[p_rule[hard_age_pairs]])
    np.fmin.at(age_max, p_entry[hard_age_pairs], age_hi[p_rule[hard_age_pairs]])
    hard_age = np.zeros(n_entries, dtype=np.bool_)
    hard_age[p_entry[hard_age_pairs]] = True
    soft_age = on_age & ~p_hard

    undecided = np.zeros(n_entries, dtype=np.bool_)
    undecided[p_entry[p_dep == UNDECIDED]] = True
    active = np.array([e.status == "active" for _, e in entries], dtype=np.bool_)
    answer_hard = np.bincount(a_entry[a_hard], minlength=n_entries)
    base_word = np.zeros(n_entries, dtype=np.uint64)
    base_word[~active] |= _UNMET
    base_word[answer_hard > 0] |= _UNKNOWN
    slugs = np.array([e.slug for _, e in entries], dtype=object)
    _, slug_rank = np.unique(slugs, return_inverse=True) if len(slugs) else ((), slugs)
    return CompiledCatalogue(
        entries=tuple(entries),
        rules=tuple(rules),
        rule_dependence=dep,
        rule_hard=hard,
        pair_entry=p_entry,
        pair_rule=p_rule,
        pair_starts=np.searchsorted(p_entry, np.arange(n_entries + 1)),
        undecided_entry=undecided,
        day_free=tuple(rules[i] for i in day_free.tolist()),
        school_year=tuple(rules[i] for i in school_year.tolist()),
        school_year_level=tuple(isinstance(rules[i], LevelRule) for i in school_year.tolist()),
        rule_dense=rule_dense,
        df_slots=_slots(p_entry[on_df], p_dense[on_df], n_entries),
        combo=combo,
        combo_rule=np.array(
            [j for rs in combo_lists for j in rs] + [len(school_year)], dtype=np.int64
        ),
        combo_starts=combo_starts,
        combo_empty=combo_empty,
        age_min=age_min,
        age_max=age_max,
        hard_age=hard_age,
        hard_age_entry=np.flatnonzero(hard_age),
        any_hard_age_rule=next(
            (rules[i] for i in np.flatnonzero((dep == AGE) & hard).tolist()), None
        ),
        soft_age_entry=p_entry[soft_age],
        soft_age_min=age_lo[p_rule[soft_age]],
        soft_age_max=age_hi[p_rule[soft_age]],
        answer_hard=answer_hard,
        answer_questions=np.bincount(distinct // n_keys, minlength=n_entries),
        answer_ids=answer_ids,
        answer_starts=answer_starts,
        answer_entry=a_entry[by_key],
        answer_entry_hard=a_hard[by_key],
        answer_has_hard=answer_has_hard,
        rule_answer_key=answer_key,
        dup_entry=dup_entry,
        cycle_set=np.array(cycle_set, dtype=np.int64),
        cycle_sets=tuple(cycle_sets),
        base_word=base_word,
        base_value=np.array(
            [award_probability(e)[0] * amount_of(e) * effort_factor(e)[0] for _, e in entries],
            dtype=np.float64,
        ),
        any_soft=not bool(hard.all()),
        essay=np.array([bool(e.effort.essay) for _, e in entries], dtype=np.bool_),
        slug_rank=np.asarray(slug_rank, dtype=np.int64),
    )
