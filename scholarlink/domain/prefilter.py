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

from scholarlink.domain.cycles import HORIZON_YEARS, cycle_candidates
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
class _Student:
    """One student's verdicts: per judged rule, per entry where they do not depend on the day,
    per combination of school-year rules and school year."""

    profile: Profile
    # The answer a hard unknown asks, by day-free rule, and by school-year rule and year.
    df_asked: dict[int, str]
    sy_asked: dict[int, list[str | None]]
    # Rules asking a question another rule may ask too (its entries are recounted one by one).
    df_shared: list[int]
    sy_shared: list[int]
    age_word: np.uint64  # a hard age rule's word without a birth date
    df_word: WordArray  # (entries,)
    df_count: IntArray
    answer_hard: IntArray  # hard requirements to confirm still unknown
    answer_questions: IntArray  # distinct questions among them
    answer_soft_met: IntArray
    closed: BoolArray  # ruled out: a hard rule unmet on every day of the window
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
    active: BoolArray
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
    base_value: tuple[FloatArray, FloatArray, FloatArray]  # P(award), amount, effort
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
        for j, rule in enumerate(self.day_free):
            v = judge(rule, profile, today, today)
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
        for j, (rule, is_level) in enumerate(
            zip(self.school_year, self.school_year_level, strict=True)
        ):
            verdicts = {y: judge(rule, profile, days[y], today) for y in distinct_years}
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

        df_word = _over_slots(
            self.df_slots, np.array(df_words, dtype=np.uint64), np.bitwise_or, len(self.entries)
        )
        df_count = (
            _over_slots(self.df_slots, np.array(df_counts), np.add, len(self.entries))
            if any(df_counts)
            else np.zeros(len(self.entries), dtype=np.int64)
        )
        closed = ~self.active | ((df_word & _UNMET) != 0)

        answer_hard, answer_questions = self.answer_hard, self.answer_questions
        answer_soft_met = np.zeros(len(self.entries), dtype=np.int64)
        given = [
            (self.answer_ids[k], a)
            for k, a in profile.answers.items()
            if k in self.answer_ids and (a is True or a is False)
        ]
        if given:
            answer_hard, answer_questions = answer_hard.copy(), answer_questions.copy()
        for key_id, yes in given:
            span = slice(self.answer_starts[key_id], self.answer_starts[key_id + 1])
            holders, hard = self.answer_entry[span], self.answer_entry_hard[span]
            if not yes:
                closed[holders[hard]] = True
                continue
            e, n = np.unique(holders[hard], return_counts=True)
            answer_hard[e] -= n
            answer_questions[e] -= 1
            e, n = np.unique(holders[~hard], return_counts=True)
            answer_soft_met[e] += n

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
        closed |= (combo_blocked == (1 << n_years) - 1)[self.combo]

        age_word = np.uint64(0)
        if profile.birth_date is not None:
            first, last = judging_window(today)
            youngest, oldest = age_on(profile.birth_date, first), age_on(profile.birth_date, last)
            closed |= (oldest < self.age_min) | (youngest > self.age_max)  # NaN: no bound
        elif self.any_hard_age_rule is not None:
            age_word = np.uint64(encode(judge(self.any_hard_age_rule, profile, today, today))[0])
        return _Student(
            profile=profile,
            df_asked=df_asked,
            sy_asked=sy_asked,
            df_shared=[j for sy, j in shared if not sy],
            sy_shared=[j for sy, j in shared if sy],
            age_word=age_word,
            df_word=df_word,
            df_count=df_count,
            answer_hard=answer_hard,
            answer_questions=answer_questions,
            answer_soft_met=answer_soft_met,
            closed=closed,
            combo_word=combo_word,
            combo_count=combo_count,
            combo_blocked=combo_blocked,
            combo_level_unmet=combo_level_unmet,
        )

    def survivors(self, profile: Profile, today: date) -> IntArray:
        """Indices (into `entries`, ascending) that are not ruled out for this student."""
        return np.flatnonzero(~self._student(profile, today).closed)

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
        st = self._student(profile, today)
        alive = np.flatnonzero(~st.closed)
        decided = ~self.undecided_entry[alive]
        undecided, idx = alive[~decided], alive[decided]
        cand = self._candidates(today)
        k = cand.valid.shape[1]
        n_years = st.combo_word.shape[1]
        at_first = self.cycle_set[idx] * k  # candidate j of entry n: at_first[n] + j
        blocked = st.combo_blocked[self.combo[idx]]
        birth = profile.birth_date
        age = np.zeros(cand.valid.shape, dtype=np.int64)
        if birth is not None:
            age = cand.on_year - birth.year - (cand.on_month_day < birth.month * 100 + birth.day)
        low, high = self.age_min[idx], self.age_max[idx]
        by_age = birth is not None and bool(self.hard_age.any())

        # The first candidate with no hard rule unmet. Day-free rules and requirements to
        # confirm are the same on every candidate (an unmet hard one closed the entry): only the
        # school year (through the combination) and the age can still rule a candidate out.
        # Most entries open on their first candidate; each round takes only those without one.
        chosen = np.full(len(idx), -1, dtype=np.int64)
        pending = np.arange(len(idx))
        for j in range(k):
            at = at_first[pending] + j
            y = np.take(cand.year, at)
            ok = np.take(cand.valid, at) & (((blocked[pending] >> y) & 1) == 0)
            if by_age:
                a = np.take(age, at)
                ok &= ~(a < low[pending]) & ~(a > high[pending])  # NaN: no bound
            chosen[pending[ok]] = j
            pending = pending[~ok]
            if not len(pending):
                break
        found = chosen >= 0
        idx = idx[found]
        at = at_first[found] + chosen[found]
        combo = self.combo[idx]
        year = np.take(cand.year, at)
        in_combo = combo * n_years + year

        word = np.take(st.df_word, idx) | np.take(st.combo_word, in_combo)
        count = np.take(st.df_count, idx) + np.take(st.combo_count, in_combo)
        if birth is None:
            word |= np.where(np.take(self.hard_age, idx), st.age_word, np.uint64(0))
        elif len(self.soft_age_entry):
            count += _SOFT * self._soft_ages_met(idx, np.take(age, at))
        answer_hard = np.take(st.answer_hard, idx)
        unknown = ((word & _UNKNOWN) != 0) | (answer_hard > 0)
        questions = (
            np.bitwise_count(word & _FIELDS).astype(np.int64)
            + count % _SOFT
            + np.take(st.answer_questions, idx)
        )
        for n in self._recounted(st, idx, combo).tolist():
            questions[n] = int(np.bitwise_count(word[n] & _FIELDS)) + self._answer_questions(
                st, int(idx[n]), int(year[n])
            )
        soft_met = count // _SOFT + np.take(st.answer_soft_met, idx)

        opens = np.take(cand.opens, at)
        deadline = np.take(cand.deadline, at)
        # A level not reached today: without a published opening, the school year it is for.
        later_start = (opens < 0) & (deadline >= 0) & np.take(st.combo_level_unmet, combo)
        opens = np.where(later_start, np.take(cand.opens_for_later_level, at), opens)
        now = today.toordinal()
        group = np.where(opens > now, 2, unknown.astype(np.int64))  # -1: no opening
        days = deadline - now
        time = np.where((deadline >= 0) & (days < 14), np.where(days < 7, 0.7, 0.85), 1.0)
        p_award, amount, effort = (np.take(a, idx) for a in self.base_value)
        # The same products in the same order as ranking.rank, so values agree bit for bit.
        value = np.ldexp(1.0, -questions) * p_award * amount * effort * time * (1 + 0.05 * soft_met)
        return Summary(idx, group, value, opens, undecided)

    def _recounted(self, st: _Student, idx: IntArray, combo: IntArray) -> IntArray:
        """Positions (in `idx`) of the entries whose answer questions are counted one by one."""
        flagged = np.take(self.dup_entry, idx)
        if st.df_shared:
            mark = np.zeros(len(self.day_free), dtype=np.bool_)
            mark[st.df_shared] = True
            flagged |= _over_slots(self.df_slots, mark, np.logical_or, len(self.entries))[idx]
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
    slots: tuple[tuple[IntArray, IntArray], ...], per_rule: Any, ufunc: np.ufunc, n: int
) -> Any:
    """Per entry, `ufunc` (OR, +) over the values of its rules, slot by slot: within a slot
    each entry appears once, so every step is one gather and one in-place update."""
    out = np.zeros(n, dtype=per_rule.dtype)
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
    slugs = np.array([e.slug for _, e in entries], dtype=object)
    _, slug_rank = np.unique(slugs, return_inverse=True) if len(slugs) else ((), slugs)
    return CompiledCatalogue(
        entries=tuple(entries),
        active=np.array([e.status == "active" for _, e in entries], dtype=np.bool_),
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
        any_hard_age_rule=next(
            (rules[i] for i in np.flatnonzero((dep == AGE) & hard).tolist()), None
        ),
        soft_age_entry=p_entry[soft_age],
        soft_age_min=age_lo[p_rule[soft_age]],
        soft_age_max=age_hi[p_rule[soft_age]],
        answer_hard=np.bincount(a_entry[a_hard], minlength=n_entries),
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
        base_value=(
            np.array([award_probability(e)[0] for _, e in entries], dtype=np.float64),
            np.array([amount_of(e) for _, e in entries], dtype=np.float64),
            np.array([effort_factor(e)[0] for _, e in entries], dtype=np.float64),
        ),
        essay=np.array([bool(e.effort.essay) for _, e in entries], dtype=np.bool_),
        slug_rank=np.asarray(slug_rank, dtype=np.int64),
    )
