"""The eligibility engine: cycles for the student's own class, blank never yes, statuses,
fields of study, ranking — with property tests over random profiles (hypothesis)."""

from __future__ import annotations

from datetime import date
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from scholarlink.domain.cycles import student_cycle
from scholarlink.domain.eligibility import Profile, judge, overall, question_key
from scholarlink.domain.engine import judge_entry, match_all
from scholarlink.domain.fields import major_to_cip
from scholarlink.domain.ranking import chance_level, rank
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.domain.standing import standing_on
from scholarlink.domain.vocabulary import CITIZENSHIP, DEMOGRAPHICS, LEVELS, US_STATES

DEC_1 = date(2026, 12, 1)


def entry(rules: list[dict[str, Any]], **over: Any) -> CatalogueEntry:
    base: dict[str, Any] = {
        "slug": "test-award",
        "name": "Test Award",
        "provider": "Test Foundation",
        "kind": "private",
        "status": "active",
        "url": "https://example.org/award",
        "verified_on": "2026-12-01",
        "sources": [{"url": "https://example.org/award"}],
        "amount": {"min": 1000, "max": 1000, "period": "one_time"},
        "cycles": [{"read_for": "2025-26", "deadline": "2025-09-30", "kind": "fixed"}],
        "rules": rules,
        "description": "A test award for the engine's own tests.",
    }
    base.update(over)
    return CatalogueEntry.model_validate(base)


SENIORS_SEPTEMBER = entry(
    [{"type": "level", "levels": ["high_school_senior"]}],
    cycles=[
        {"read_for": "2024-25", "opens": "2024-08-01", "deadline": "2024-09-30", "kind": "fixed"}
    ],
)


# -- cycles --------------------------------------------------------------------------------------


def test_a_senior_in_december_has_missed_the_september_cycle_and_next_years_is_not_theirs() -> None:
    senior = Profile(academic_level="high_school_senior", graduation_year=2027)
    assert (
        student_cycle(SENIORS_SEPTEMBER.cycles, list(SENIORS_SEPTEMBER.rules), senior, DEC_1).state
        == "closed"
    )
    assert judge_entry(SENIORS_SEPTEMBER, 1, senior, DEC_1) is None


def test_a_junior_sees_the_cycle_they_will_apply_in_as_opening_later() -> None:
    junior = Profile(academic_level="high_school_junior", graduation_year=2028)
    cycle = student_cycle(SENIORS_SEPTEMBER.cycles, list(SENIORS_SEPTEMBER.rules), junior, DEC_1)
    assert cycle.state == "opens_later"
    assert cycle.opens == date(2027, 8, 1) and cycle.deadline == date(2027, 9, 30)
    assert cycle.for_graduation_year == 2028 and cycle.projected
    judged = judge_entry(SENIORS_SEPTEMBER, 1, junior, DEC_1)
    assert judged is not None and judged.group == "opens_later"


def test_a_senior_before_the_deadline_can_apply_now() -> None:
    senior = Profile(academic_level="high_school_senior", graduation_year=2027)
    judged = judge_entry(SENIORS_SEPTEMBER, 1, senior, date(2026, 9, 1))
    assert judged is not None and judged.group == "match"
    assert judged.cycle.deadline == date(2026, 9, 30)


def test_due_today_is_still_open() -> None:
    senior = Profile(academic_level="high_school_senior", graduation_year=2027)
    judged = judge_entry(SENIORS_SEPTEMBER, 1, senior, date(2026, 9, 30))
    assert judged is not None and judged.cycle.deadline == date(2026, 9, 30)


def test_standing_projects_class_years() -> None:
    assert standing_on("undergraduate", 2029, date(2026, 12, 1), DEC_1).class_year == 2
    assert standing_on("undergraduate", 2029, date(2027, 9, 1), DEC_1).class_year == 3
    assert (
        standing_on("high_school_senior", 2027, date(2027, 9, 1), DEC_1).level == "entering_college"
    )
    assert standing_on("high_school_senior", 2027, date(2028, 9, 1), DEC_1).finished


@given(st.integers(min_value=2027, max_value=2034))
def test_cycle_choice_is_monotonic_in_graduation_year(year: int) -> None:
    """A later graduation year never gives an earlier cycle for a high-school programme."""
    me = Profile(academic_level="high_school_junior", graduation_year=year)
    later = Profile(academic_level="high_school_junior", graduation_year=year + 1)
    rules = list(SENIORS_SEPTEMBER.rules)
    mine = student_cycle(SENIORS_SEPTEMBER.cycles, rules, me, DEC_1)
    theirs = student_cycle(SENIORS_SEPTEMBER.cycles, rules, later, DEC_1)
    if mine.state != "closed" and theirs.state != "closed":
        assert (theirs.deadline or date.max) >= (mine.deadline or date.max)


# -- blank is never yes ----------------------------------------------------------------------


def test_an_empty_profile_matches_nothing() -> None:
    catalogue = [
        (1, SENIORS_SEPTEMBER),
        (2, entry([{"type": "gpa", "min": 3.0, "scale": 4.0}])),
        (3, entry([{"type": "citizenship", "allowed": ["us_citizen"]}])),
    ]
    result = match_all(catalogue, Profile(), date(2025, 9, 1))
    assert result.matches == []
    assert result.possible and result.top_questions()


def test_declared_demographics_exclude_other_groups_and_prefer_not_to_say_stays_unknown() -> None:
    rule = entry([{"type": "demographics", "any_of": ["hispanic_latino"]}]).rules[0]
    assert judge(rule, Profile(demographics=frozenset({"women"})), DEC_1, DEC_1).status == "unmet"
    assert judge(rule, Profile(demographics=frozenset()), DEC_1, DEC_1).status == "unmet"
    assert judge(rule, Profile(demographics=None), DEC_1, DEC_1).status == "unknown"
    assert (
        judge(rule, Profile(demographics=frozenset({"hispanic_latino"})), DEC_1, DEC_1).status
        == "met"
    )


def test_weighted_gpa_does_not_pass_an_unweighted_rule() -> None:
    rule = entry([{"type": "gpa", "min": 3.75, "scale": 4.0, "basis": "unweighted"}]).rules[0]
    verdict = judge(rule, Profile(gpa=4.2, gpa_weighted=True), DEC_1, DEC_1)
    assert verdict.status == "unknown" and verdict.question == "What is your unweighted GPA?"
    assert judge(rule, Profile(gpa=3.8, gpa_weighted=False), DEC_1, DEC_1).status == "met"


def test_per_level_gpa_minimums() -> None:
    hsf = entry(
        [
            {"type": "gpa", "min": 3.0, "scale": 4.0, "levels": ["high_school_senior"]},
            {"type": "gpa", "min": 2.5, "scale": 4.0, "levels": ["undergraduate"]},
        ]
    )
    senior = Profile(
        gpa=2.8, gpa_weighted=False, academic_level="high_school_senior", graduation_year=2027
    )
    college = Profile(
        gpa=2.8, gpa_weighted=False, academic_level="undergraduate", graduation_year=2028
    )
    assert overall([judge(r, senior, DEC_1, DEC_1) for r in hsf.rules]) == "unmet"
    assert overall([judge(r, college, DEC_1, DEC_1) for r in hsf.rules]) == "met"


def test_either_or_tracks() -> None:
    rule = entry(
        [
            {
                "type": "any_of",
                "groups": [
                    [
                        {"type": "gpa", "min": 3.0, "scale": 4.0},
                        {"type": "test_score", "act_min": 24},
                    ],
                    [{"type": "test_score", "act_min": 28}],
                ],
            }
        ]
    ).rules[0]
    assert judge(rule, Profile(gpa=2.5, act=29), DEC_1, DEC_1).status == "met"
    assert judge(rule, Profile(gpa=3.2, act=25), DEC_1, DEC_1).status == "met"
    assert judge(rule, Profile(gpa=2.5, act=25), DEC_1, DEC_1).status == "unmet"
    assert judge(rule, Profile(gpa=3.2), DEC_1, DEC_1).status == "unknown"


def test_a_requirement_to_confirm_is_asked_once_and_kept() -> None:
    question = "Will you file the FAFSA for next year?"
    award = entry([{"type": "confirm", "question": question}])
    asked = judge_entry(award, 1, Profile(), date(2025, 9, 1))
    assert asked is not None and asked.group == "possible"
    assert asked.questions[0].field == f"answer:{question_key(question)}"
    yes = Profile(answers={question_key(question): True})
    done = judge_entry(award, 1, yes, date(2025, 9, 1))
    assert done is not None and done.group == "match" and done.verdicts[0].status == "confirmed"
    no = Profile(answers={question_key(question): False})
    assert judge_entry(award, 1, no, date(2025, 9, 1)) is None
    assert question_key("will you file the FAFSA for next year") == question_key(question)


# -- fields of study ---------------------------------------------------------------------------


def test_majors_map_to_cip_codes_by_meaning_not_keyword() -> None:
    assert major_to_cip("Civil Rights Law") == {"22.01"}
    assert major_to_cip("Homeland Security") == {"43.03"}
    assert major_to_cip("Pre-Nursing") == {"51.38"}
    assert major_to_cip("Mechanical Engineering") == {"14.19"}
    assert major_to_cip("Undecided") == frozenset()
    engineering = entry([{"type": "field_of_study", "cip": ["14"]}]).rules[0]
    law = Profile(major="Civil Rights Law")
    assert judge(engineering, law, DEC_1, DEC_1).status == "unmet"
    cyber = entry([{"type": "field_of_study", "cip": ["11.1003"]}]).rules[0]
    assert judge(cyber, Profile(major="Homeland Security"), DEC_1, DEC_1).status == "unmet"
    nursing = entry([{"type": "field_of_study", "cip": ["51.38"]}]).rules[0]
    assert judge(nursing, Profile(major="Pre-Nursing"), DEC_1, DEC_1).status == "met"
    assert judge(nursing, Profile(major="Undecided"), DEC_1, DEC_1).status == "unknown"


# -- ranking -------------------------------------------------------------------------------------


def test_more_money_at_the_same_odds_ranks_higher() -> None:
    small = entry(
        [], amount={"min": 1000, "max": 1000}, awards_per_year=10, applicants_per_year=100
    )
    big = entry([], amount={"min": 9000, "max": 9000}, awards_per_year=10, applicants_per_year=100)
    a = rank(small, open_questions=0, deadline=None, today=DEC_1)
    b = rank(big, open_questions=0, deadline=None, today=DEC_1)
    assert b.value > a.value and b.score >= a.score and a.chance == b.chance


@given(st.integers(min_value=1, max_value=100), st.integers(min_value=50, max_value=1_000_000))
def test_two_percent_acceptance_or_less_is_never_high_chance(awards: int, applicants: int) -> None:
    award = entry([], awards_per_year=awards, applicants_per_year=max(applicants, awards))
    r = rank(award, open_questions=0, deadline=None, today=DEC_1)
    if (
        award.awards_per_year
        and award.applicants_per_year
        and awards / award.applicants_per_year <= 0.02
    ):
        assert r.chance != "high"
    assert chance_level(0.02) == "long_shot"


# -- properties over random profiles -------------------------------------------------------------

RULE_POOL: list[dict[str, Any]] = [
    {"type": "level", "levels": ["high_school_senior", "undergraduate"]},
    {"type": "gpa", "min": 3.0, "scale": 4.0},
    {"type": "gpa", "min": 3.5, "scale": 4.0, "basis": "unweighted"},
    {"type": "citizenship", "allowed": ["us_citizen", "permanent_resident"]},
    {"type": "residence_state", "states": ["TX", "CA"]},
    {"type": "demographics", "any_of": ["first_generation"]},
    {"type": "field_of_study", "cip": ["14", "11"]},
    {"type": "need", "pell_eligible": True},
    {"type": "age", "max": 24},
    {"type": "test_score", "sat_min": 1200, "act_min": 26},
    {"type": "confirm", "question": "Will you enrol full time?"},
]

profiles = st.builds(
    Profile,
    gpa=st.none() | st.floats(min_value=0, max_value=4.0, allow_nan=False),
    gpa_weighted=st.none() | st.booleans(),
    major=st.none() | st.sampled_from(["Computer Science", "Nursing", "History", "Undecided"]),
    academic_level=st.none() | st.sampled_from(list(LEVELS)),
    graduation_year=st.none() | st.integers(min_value=2026, max_value=2032),
    birth_date=st.none() | st.dates(min_value=date(1990, 1, 1), max_value=date(2012, 1, 1)),
    citizenship=st.none() | st.sampled_from(list(CITIZENSHIP)),
    state=st.none() | st.sampled_from(list(US_STATES)[:10]),
    demographics=st.none() | st.frozensets(st.sampled_from(list(DEMOGRAPHICS)), max_size=3),
    pell_eligible=st.none() | st.booleans(),
    sat=st.none() | st.integers(min_value=400, max_value=1600),
    act=st.none() | st.integers(min_value=1, max_value=36),
)
rule_sets = st.lists(st.sampled_from(RULE_POOL), min_size=1, max_size=5)
FIELDS = ["gpa", "major", "citizenship", "state", "pell_eligible", "sat", "act", "birth_date"]


@settings(max_examples=150, deadline=None)
@given(profiles, rule_sets)
def test_no_unmet_rule_is_ever_in_matches_and_blank_never_counts_as_met(
    profile: Profile, rules: list[dict[str, Any]]
) -> None:
    award = entry(rules, cycles=[{"read_for": "2026-27", "kind": "rolling"}])
    judged = judge_entry(award, 1, profile, DEC_1)
    if judged is None:
        return
    assert all(v.status != "unmet" for v in judged.verdicts if v.hard)
    if judged.group == "match":
        assert all(v.status in ("met", "confirmed") for v in judged.verdicts if v.hard)
    for v in judged.verdicts:
        if v.status == "met" and v.criterion == "GPA" and "does not apply" not in v.detail:
            assert profile.gpa is not None
        if v.status == "met" and v.criterion == "citizenship":
            assert profile.citizenship is not None
        if v.status == "met" and v.criterion == "residence":
            assert profile.state is not None
        if v.status == "met" and v.criterion == "age":
            assert profile.birth_date is not None


@settings(max_examples=150, deadline=None)
@given(profiles, rule_sets, st.sampled_from(FIELDS), st.data())
def test_answering_one_field_never_turns_an_unrelated_unmet_rule_into_met(
    profile: Profile, rules: list[dict[str, Any]], field: str, data: st.DataObject
) -> None:
    award = entry(rules, cycles=[{"read_for": "2026-27", "kind": "rolling"}])
    before = [judge(r, profile, DEC_1, DEC_1) for r in award.rules]
    values = {
        "gpa": st.floats(min_value=0, max_value=4.0, allow_nan=False),
        "major": st.sampled_from(["Biology", "Mechanical Engineering"]),
        "citizenship": st.sampled_from(list(CITIZENSHIP)),
        "state": st.sampled_from(["TX", "NY"]),
        "pell_eligible": st.booleans(),
        "sat": st.integers(min_value=400, max_value=1600),
        "act": st.integers(min_value=1, max_value=36),
        "birth_date": st.dates(min_value=date(1990, 1, 1), max_value=date(2012, 1, 1)),
    }
    changed = Profile(**{**profile.__dict__, field: data.draw(values[field])})
    after = [judge(r, changed, DEC_1, DEC_1) for r in award.rules]
    related = {
        "gpa": {"GPA", "either/or"},
        "major": {"field of study"},
        "citizenship": {"citizenship"},
        "state": {"residence", "school state"},
        "pell_eligible": {"financial need"},
        "sat": {"test scores", "either/or"},
        "act": {"test scores", "either/or"},
        "birth_date": {"age"},
    }[field]
    for b, a in zip(before, after, strict=True):
        if b.criterion not in related:
            assert not (b.status == "unmet" and a.status == "met"), b.criterion


def test_without_published_odds_nothing_is_high_chance() -> None:
    federal = entry([], kind="federal")  # a generous prior, but no published figures
    assert rank(federal, open_questions=0, deadline=None, today=DEC_1).chance != "high"
    published = entry([], kind="federal", awards_per_year=900, applicants_per_year=1000)
    assert rank(published, open_questions=0, deadline=None, today=DEC_1).chance == "high"
