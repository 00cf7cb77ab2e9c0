"""The compiled catalogue (scholarlink/domain/prefilter.py): its columns for tricky rules, and the
property that matters — the engine with the columns returns exactly what judging every entry one
by one returns (same groups, order, verdicts, questions, ranks), over random catalogues and
random profiles (hypothesis)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scholarlink.domain.eligibility import Profile, question_key
from scholarlink.domain.engine import judge_entry, match_all
from scholarlink.domain.prefilter import (
    AGE,
    DAY_FREE,
    GROUPS,
    SCHOOL_YEAR,
    UNDECIDED,
    compile_catalogue,
    dependence,
)
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.domain.vocabulary import CITIZENSHIP, DEMOGRAPHICS, LEVELS

DEC_1 = date(2026, 12, 1)
CONFIRM = "Will you enrol full time next year?"
MEMBER = "Are you an enrolled member?"


def entry(rules: list[dict[str, Any]], n: int = 0, **over: Any) -> CatalogueEntry:
    base: dict[str, Any] = {
        "slug": f"award-{n}",
        "name": f"Award {n}",
        "provider": "Test Foundation",
        "kind": "private",
        "status": "active",
        "url": "https://example.org/award",
        "verified_on": "2026-12-01",
        "sources": [{"url": "https://example.org/award"}],
        "amount": {"min": 1000, "max": 1000, "period": "one_time"},
        "cycles": [{"read_for": "2025-26", "deadline": "2025-09-30", "kind": "fixed"}],
        "rules": rules,
        "description": "A test award for the compiled catalogue's tests.",
    }
    base.update(over)
    return CatalogueEntry.model_validate(base)


def ruled_out(rule: dict[str, Any], profile: Profile, today: date = DEC_1) -> bool:
    compiled = compile_catalogue([(1, entry([rule]))])
    return compiled.survivors(profile, today).tolist() == []


# -- columns for tricky rules --------------------------------------------------------------------


def test_rules_are_interned_once_per_catalogue_and_hard_and_soft_stay_apart() -> None:
    texas = {"type": "residence_state", "states": ["TX"]}
    compiled = compile_catalogue(
        [
            (1, entry([texas], 1)),
            (2, entry([texas, {"type": "gpa", "min": 3.0}], 2)),
            (3, entry([{**texas, "hard": False}], 3)),
        ]
    )
    assert len(compiled.rules) == 3
    assert compiled.pair_entry.tolist() == [0, 1, 1, 2]
    assert compiled.pair_rule.tolist() == [0, 0, 1, 2]
    assert compiled.rule_hard.tolist() == [True, True, False]


def test_how_each_rule_depends_on_the_day() -> None:
    level = {"type": "level", "levels": ["undergraduate"]}
    age = {"type": "age", "max": 24}
    confirm = {"type": "confirm", "question": CONFIRM}
    rules = entry(
        [
            level,
            age,
            confirm,
            {"type": "any_of", "groups": [[level], [confirm]]},
            {"type": "any_of", "groups": [[age], [confirm]]},
        ]
    ).rules
    assert [dependence(r) for r in rules] == [SCHOOL_YEAR, AGE, DAY_FREE, SCHOOL_YEAR, UNDECIDED]


def test_a_per_level_gpa_minimum_is_not_ruled_out_while_a_later_level_escapes_it() -> None:
    senior = Profile(academic_level="high_school_senior", graduation_year=2027, gpa=2.8)
    per_level = {"type": "gpa", "min": 3.0, "levels": ["high_school_senior"]}
    assert not ruled_out(per_level, senior)  # from August 2027 they are in college
    assert ruled_out({"type": "gpa", "min": 3.0}, senior)
    # Seniors only, and the GPA is short in the one year they are seniors: each rule alone is
    # met in some school year, their combination in none, so the prefilter rules it out.
    award = entry([{"type": "level", "levels": ["high_school_senior"]}, per_level])
    compiled = compile_catalogue([(1, award)])
    assert compiled.survivors(senior, DEC_1).tolist() == []
    assert len(compiled.summarise(senior, DEC_1).index) == 0
    assert judge_entry(award, 1, senior, DEC_1) is None


def test_gpa_scale_and_basis() -> None:
    unweighted = {"type": "gpa", "min": 3.5, "basis": "unweighted"}
    assert not ruled_out(unweighted, Profile(gpa=4.2, gpa_weighted=True))  # asks the unweighted
    assert not ruled_out(unweighted, Profile(gpa=3.0))  # weighted or not: unknown
    assert ruled_out(unweighted, Profile(gpa=3.0, gpa_weighted=False))
    on_five = {"type": "gpa", "min": 4.0, "scale": 5.0}
    assert not ruled_out(on_five, Profile(gpa=3.6))  # 3.6 on 4 is 4.5 on 5
    assert ruled_out(on_five, Profile(gpa=3.0))


def test_age_is_decided_from_the_ages_the_student_reaches_in_the_window() -> None:
    seventeen = Profile(birth_date=date(2009, 6, 1))  # 17 today, 21 by the end of 2029
    assert ruled_out({"type": "age", "max": 16}, seventeen)
    assert not ruled_out({"type": "age", "min": 18}, seventeen)
    assert ruled_out({"type": "age", "min": 25}, seventeen)
    assert not ruled_out({"type": "age", "max": 16}, Profile())


def test_fields_of_study_by_synonym_and_family() -> None:
    nursing = Profile(major="Pre-Nursing")
    assert not ruled_out({"type": "field_of_study", "cip": ["51"]}, nursing)
    assert ruled_out({"type": "field_of_study", "cip": ["14"]}, nursing)
    # A family only ("health sciences") against a programme inside it: a question, not a no.
    assert not ruled_out(
        {"type": "field_of_study", "cip": ["51.38"]}, Profile(major="Health Sciences")
    )
    assert not ruled_out({"type": "field_of_study", "cip": ["14"]}, Profile(major="Undecided"))


def test_declared_demographics_and_answers() -> None:
    women = {"type": "demographics", "any_of": ["women"]}
    assert ruled_out(women, Profile(demographics=frozenset()))
    assert not ruled_out(women, Profile())
    confirm = {"type": "confirm", "question": CONFIRM}
    assert ruled_out(confirm, Profile(answers={question_key(CONFIRM): False}))
    assert not ruled_out(confirm, Profile())


def test_an_either_or_group_is_ruled_out_only_when_every_track_is() -> None:
    either = {
        "type": "any_of",
        "groups": [
            [{"type": "residence_state", "states": ["TX"]}],
            [{"type": "citizenship", "allowed": ["daca"]}],
        ],
    }
    assert ruled_out(either, Profile(state="CA", citizenship="us_citizen"))
    assert not ruled_out(either, Profile(state="CA"))
    assert not ruled_out(either, Profile(state="CA", citizenship="daca"))


def test_inactive_and_soft_rules_never_count_as_survivors_or_exclusions() -> None:
    inactive = entry([], 1, status="inactive", inactive_reason="closed down")
    soft = entry([{"type": "residence_state", "states": ["TX"], "hard": False}], 2)
    compiled = compile_catalogue([(1, inactive), (2, soft)])
    assert compiled.survivors(Profile(state="CA"), DEC_1).tolist() == [1]


def test_the_time_left_to_apply_at_each_threshold() -> None:
    rows = [
        (d, entry([], d, cycles=[{"deadline": (DEC_1 + timedelta(days=d)).isoformat(), "kind": "fixed"}]))
        for d in (0, 6, 7, 13, 14, 30)
    ]  # fmt: skip
    assert assert_columns_replay_the_engine(rows, Profile(), DEC_1) == 6


def test_a_junior_sees_a_seniors_award_open_at_the_start_of_their_senior_year() -> None:
    junior = Profile(academic_level="high_school_junior", graduation_year=2028)
    seniors = {"type": "level", "levels": ["high_school_senior"]}
    rows = [
        (n, entry([{**seniors, "hard": hard}], n, cycles=[{"deadline": "2027-10-15", "kind": "fixed"}]))
        for n, hard in enumerate((True, False))
    ]  # fmt: skip
    assert assert_columns_replay_the_engine(rows, junior, DEC_1) == 2
    opens = compile_catalogue(rows).summarise(junior, DEC_1).opens.tolist()
    assert opens == [date(2027, 8, 1).toordinal()] * 2


def test_a_confirmed_soft_rule_raises_the_rank() -> None:
    soft = {"type": "confirm", "question": CONFIRM, "hard": False}
    yes = Profile(answers={question_key(CONFIRM): True})
    assert assert_columns_replay_the_engine([(1, entry([soft]))], yes, DEC_1) == 1


def test_an_age_limit_on_the_birthday_that_falls_on_the_deadline() -> None:
    rows = [
        (n, entry([{"type": "age", **bound}], n, cycles=[{"deadline": "2027-03-01", "kind": "fixed"}]))
        for n, bound in enumerate(({"min": 18}, {"max": 17}, {"min": 19}))
    ]  # fmt: skip
    turns_18 = Profile(birth_date=date(2009, 3, 1))
    # 18 on the deadline: "at most 17" is closed; "at least 19" opens for next year's deadline.
    assert assert_columns_replay_the_engine(rows, turns_18, DEC_1) == 2
    summary = compile_catalogue(rows).summarise(turns_18, DEC_1)
    assert summary.index.tolist() == [0, 2]


def test_every_question_counts_once_and_different_ones_apart() -> None:
    confirm = {"type": "confirm", "question": CONFIRM}
    rows = [
        (1, entry([{"type": "age", "max": 24}, confirm], 1)),  # birth date and an answer
        (2, entry([confirm, {**confirm, "hard": False}, confirm], 2)),  # one answer
        (3, entry([{"type": "gpa", "min": 3.0, "levels": ["undergraduate"]}, {"type": "level", "levels": ["undergraduate"]}], 3)),
    ]  # fmt: skip
    assert assert_columns_replay_the_engine(rows, Profile(), DEC_1) == 3


# -- the property: with the columns == without -----------------------------------------------------

_LEVEL = st.lists(st.sampled_from(list(LEVELS)), min_size=1, max_size=3, unique=True)
_SIMPLE = st.one_of(
    _LEVEL.map(lambda lv: {"type": "level", "levels": sorted(lv)}),
    st.builds(
        lambda y: {"type": "level", "levels": ["undergraduate"], "class_years": y},
        st.lists(st.integers(1, 5), min_size=1, max_size=2, unique=True),
    ),
    st.builds(
        lambda m, basis, lv: {"type": "gpa", "min": m, "basis": basis, "levels": lv},
        st.sampled_from([2.5, 3.0, 3.5]),
        st.sampled_from(["any", "weighted", "unweighted"]),
        st.none() | _LEVEL,
    ),
    st.just({"type": "gpa", "min": 4.0, "scale": 5.0}),
    st.builds(
        lambda a: {"type": "citizenship", "allowed": a},
        st.lists(st.sampled_from(list(CITIZENSHIP)), min_size=1, max_size=3, unique=True),
    ),
    st.builds(lambda s: {"type": "residence_state", "states": s}, st.just(["TX", "CA"])),
    st.builds(
        lambda s, school: {"type": "school_state", "states": s, "school": school},
        st.sampled_from([["TX"], ["NY", "CA"]]),
        st.sampled_from(["college", "high_school"]),
    ),
    st.builds(
        lambda lo, hi: {"type": "age", "min": lo, "max": hi},
        st.none() | st.integers(14, 22),
        st.integers(23, 30),
    ),
    st.builds(
        lambda g: {"type": "demographics", "any_of": g},
        st.lists(st.sampled_from(list(DEMOGRAPHICS)[:4]), min_size=1, max_size=2, unique=True),
    ),
    st.builds(
        lambda c: {"type": "field_of_study", "cip": c},
        st.lists(st.sampled_from(["11", "14", "51.38", "51", "22.01", "26"]), min_size=1, max_size=2, unique=True),
    ),
    st.sampled_from(
        [
            {"type": "need", "pell_eligible": True},
            {"type": "need", "financial_need": True},
            {"type": "need", "max_household_income": 60000},
            {"type": "test_score", "sat_min": 1200, "act_min": 26},
            {"type": "class_rank", "top_percent": 10},
            {"type": "institution", "kind": "hbcu"},
            {"type": "institution", "names": ["State University"]},
            {"type": "membership", "any_of": ["Navajo Nation"], "question": MEMBER},
            {"type": "confirm", "question": CONFIRM},
            # The membership rule's question as a requirement to confirm: one question, twice.
            {"type": "confirm", "question": MEMBER},
            {"type": "unrecorded", "about": "residency"},
        ]
    ),
)  # fmt: skip
_WITH_HARD = st.builds(lambda r, hard: {**r, "hard": hard}, _SIMPLE, st.booleans() | st.just(True))
_RULE = _WITH_HARD | st.builds(
    lambda groups: {"type": "any_of", "groups": groups},
    st.lists(st.lists(_SIMPLE, min_size=1, max_size=2), min_size=1, max_size=3),
)


def _cycles(today: date) -> st.SearchStrategy[dict[str, Any]]:
    """Deadlines near today (a week or two left, just missed) as often as anywhere in the year,
    read for this year or an earlier one."""
    offset = st.sampled_from([0, 6, 7, 13, 14]) | st.integers(-20, 20) | st.integers(-400, 400)
    return st.one_of(
        st.builds(
            lambda days, back, opens: {
                "read_for": "2025-26",
                "deadline": _years_back(today + timedelta(days=days), back).isoformat(),
                "opens": (
                    (_years_back(today + timedelta(days=days), back) - timedelta(days=opens))
                    if opens is not None
                    else None
                ),
                "kind": "fixed",
            },
            offset,
            st.integers(0, 2),
            st.none() | st.integers(0, 200),
        ),
        st.sampled_from([{"kind": "rolling"}, {"kind": "varies"}]),
    )


def _years_back(day: date, years: int) -> date:
    return day.replace(year=day.year - years, day=min(day.day, 28))


def _entries(today: date) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries(
        {
            "rules": st.lists(_RULE, max_size=4),
            "cycles": st.lists(_cycles(today), min_size=0, max_size=2),
            "kind": st.sampled_from(["private", "state", "federal", "institutional"]),
            "amount": st.sampled_from([{"max": 500}, {"min": 2000, "max": 5000}, {}]),
            "effort": st.fixed_dictionaries({"essay": st.booleans(), "letters": st.booleans()}),
            "awards_per_year": st.none() | st.sampled_from([5, 500]),
            "status": st.sampled_from(["active", "active", "active", "inactive"]),
            "slug": st.sampled_from(
                ["a", "b", "c", "d"]
            ),  # repeated slugs: ties keep catalogue order
        }
    )


def _build(n: int, spec: dict[str, Any]) -> CatalogueEntry | None:
    over = {**spec, "slug": f"{spec['slug']}-{n % 3}"}
    if spec["status"] == "inactive":
        over["inactive_reason"] = "closed down"
    if spec["status"] == "active" and not spec["cycles"]:
        over["status"], over["inactive_reason"] = "inactive", "no cycle"
    try:
        return entry(over.pop("rules"), n, **over)
    except ValueError:  # a contradiction the rule language refuses (e.g. class year 5 at a CC)
        return None


_PROFILE = st.builds(
    Profile,
    gpa=st.none() | st.sampled_from([2.4, 3.0, 3.5, 3.9, 4.3]),
    gpa_weighted=st.none() | st.booleans(),
    major=st.none() | st.sampled_from(["Computer Science", "Pre-Nursing", "Health Sciences", "Civil Rights Law", "Undecided"]),
    academic_level=st.none() | st.sampled_from(list(LEVELS)),
    graduation_year=st.none() | st.integers(min_value=2025, max_value=2031),
    birth_date=st.none() | st.dates(min_value=date(1995, 1, 1), max_value=date(2011, 1, 1)),
    citizenship=st.none() | st.sampled_from(list(CITIZENSHIP)),
    state=st.none() | st.sampled_from(["TX", "CA", "NY"]),
    school_state=st.none() | st.sampled_from(["TX", "NY"]),
    institution=st.none() | st.just("State University"),
    demographics=st.none() | st.frozensets(st.sampled_from(list(DEMOGRAPHICS)[:4]), max_size=2),
    financial_need=st.none() | st.booleans(),
    pell_eligible=st.none() | st.booleans(),
    household_income=st.none() | st.sampled_from([30000, 90000]),
    sat=st.none() | st.integers(min_value=900, max_value=1500),
    act=st.none() | st.integers(min_value=15, max_value=34),
    class_rank_percent=st.none() | st.sampled_from([5.0, 25.0]),
    memberships=st.none() | st.just(("Navajo Nation",)),
    answers=st.dictionaries(st.sampled_from([question_key(CONFIRM), question_key(MEMBER)]), st.booleans()),
    cip_codes=st.none() | st.sampled_from([frozenset(), frozenset({"51"}), frozenset({"14.08"})]),
)  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(
    st.dates(min_value=date(2025, 1, 1), max_value=date(2027, 12, 31)),
    _PROFILE,
    st.booleans(),
    st.data(),
)
def test_the_columns_change_nothing_the_engine_returns(
    today: date, profile: Profile, no_essay_first: bool, data: st.DataObject
) -> None:
    specs = data.draw(st.lists(_entries(today), max_size=12))
    rows = [(n, e) for n, spec in enumerate(specs) if (e := _build(n, spec)) is not None]
    compiled = compile_catalogue(rows)
    exact = match_all(rows, profile, today, no_essay_first=no_essay_first, prefilter=False)
    fast = match_all(compiled, profile, today, no_essay_first=no_essay_first)
    for group in ("matches", "possible", "opens_later"):
        want, got = getattr(exact, group), getattr(fast, group)
        assert [j.key for j in got] == [j.key for j in want], group
        assert list(got) == list(want), group
    assert_columns_replay_the_engine(rows, profile, today)
    # The prefilter alone: nothing it drops would have been shown.
    kept = set(compiled.survivors(profile, today).tolist())
    for n, (key, e) in enumerate(rows):
        if n not in kept:
            assert judge_entry(e, key, profile, today) is None, e.slug


def assert_columns_replay_the_engine(
    rows: list[tuple[Any, CatalogueEntry]], profile: Profile, today: date
) -> int:
    """Each decided entry's group, rank value (bit for bit) and opening day, one by one; every
    entry the engine shows is decided or left to it. Returns how many were decided."""
    compiled = compile_catalogue(rows)
    summary = compiled.summarise(profile, today)
    for i, group_code, value, opens in zip(
        summary.index.tolist(), summary.group.tolist(), summary.value.tolist(),
        summary.opens.tolist(), strict=True,
    ):  # fmt: skip
        key, e = rows[i]
        judged = judge_entry(e, key, profile, today)
        assert judged is not None, e.slug
        assert (GROUPS[group_code], value) == (judged.group, judged.rank.value), e.slug
        assert opens == (judged.cycle.opens.toordinal() if judged.cycle.opens else -1), e.slug
    shown = {n for n, (key, e) in enumerate(rows) if judge_entry(e, key, profile, today)}
    assert shown <= set(summary.index.tolist()) | set(summary.undecided.tolist())
    return len(summary.index)
