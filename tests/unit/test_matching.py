"""Matching: eligibility in words and in arrays agree; ranking is deterministic and explainable."""

import random
from datetime import date

import pytest

from scholarlink.services.eligibility import ProfileFacts, evaluate, is_eligible
from scholarlink.services.matching import (
    CRITERIA,
    MET,
    NA,
    UNKNOWN,
    UNMET,
    explain,
    index_from_entries,
)
from scholarlink.services.synthetic import synthetic_entries
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    INTERESTS,
    US_STATES,
)

TODAY = date(2026, 11, 25)
CODES = {MET: "met", UNMET: "unmet", UNKNOWN: "unknown"}
MAJORS = [None, "Computer Science", "Nursing", "History", "Undecided", "Mechanical Engineering"]


def random_profile(rng: random.Random) -> ProfileFacts:
    def maybe(values: list) -> object:
        return rng.choice([None, *values])

    return ProfileFacts.of(
        type(
            "P",
            (),
            {
                "gpa": maybe([2.0, 2.9, 3.0, 3.5, 3.95, 4.4]),
                "gpa_weighted": rng.random() < 0.3,
                "major": rng.choice(MAJORS),
                "academic_level": maybe(list(ACADEMIC_LEVELS)),
                "state": maybe(list(US_STATES)),
                "citizenship": maybe(list(CITIZENSHIP)),
                "demographics": rng.sample(list(DEMOGRAPHICS), rng.randint(0, 2)),
                "interests": rng.sample(list(INTERESTS), rng.randint(0, 4)),
                "financial_need": maybe([True, False]),
            },
        )()
    )


class Row:
    def __init__(self, entry: dict) -> None:
        self.__dict__.update(entry)


def test_vectorised_eligibility_agrees_with_the_explained_rules() -> None:
    entries = list(synthetic_entries(400, seed=5))
    index = index_from_entries(entries)
    rng = random.Random(9)
    for _ in range(60):
        profile = random_profile(rng)
        status = index.statuses(profile)
        for i, entry in enumerate(entries):
            words = {c.criterion: c.status for c in evaluate(Row(entry), profile)}
            arrays = {
                name: CODES[int(status[k, i])]
                for k, name in enumerate(CRITERIA)
                if status[k, i] != NA
            }
            assert arrays == words, (entry["slug"], profile)


def test_ineligible_never_ranked() -> None:
    entries = list(synthetic_entries(2000, seed=6))
    index = index_from_entries(entries)
    rng = random.Random(3)
    for _ in range(25):
        profile = random_profile(rng)
        for match in index.rank(profile, today=TODAY, limit=50):
            assert is_eligible(evaluate(Row(entries[match.row]), profile))


def test_ranking_is_deterministic_and_sorted() -> None:
    index = index_from_entries(synthetic_entries(5000, seed=7))
    profile = random_profile(random.Random(1))
    first = index.rank(profile, today=TODAY, limit=25)
    assert first == index.rank(profile, today=TODAY, limit=25)
    keys = [(-m.score, -int(index.amount_max[m.row]), m.scholarship_id) for m in first]
    assert keys == sorted(keys)
    assert all(0 <= m.score <= 100 for m in first)
    assert {m.chance for m in first} <= {"high", "competitive", "long_shot"}


def test_limit_cut_keeps_ties_in_order() -> None:
    index = index_from_entries(synthetic_entries(3000, seed=8))
    profile = ProfileFacts()
    full = index.rank(profile, today=TODAY, limit=3000)
    for k in (1, 7, 30, 200):
        assert index.rank(profile, today=TODAY, limit=k) == full[:k]


def _entry(**over: object) -> dict:
    base = {
        "slug": "x",
        "amount_min": 1000,
        "amount_max": 1000,
        "deadline_month": 3,
        "deadline_day": 1,
        "levels": ["undergraduate"],
        "min_gpa": None,
        "majors": [],
        "states": [],
        "citizenship": [],
        "demographics": [],
        "interests": [],
        "financial_need": False,
        "awards_per_year": None,
    }
    base.update(over)
    return base


def test_explanations_read_like_a_person_wrote_them() -> None:
    entries = [
        _entry(min_gpa=3.0, states=["CA"], majors=["engineering"], citizenship=["us_citizen"])
    ]
    index = index_from_entries(entries)
    student = ProfileFacts.of(
        type(
            "P",
            (),
            {
                "gpa": 3.4,
                "major": "Civil Engineering",
                "academic_level": "undergraduate",
                "state": "TX",
                "citizenship": None,
            },
        )()
    )
    details = {c.criterion: (c.status, c.detail) for c in evaluate(Row(entries[0]), student)}
    assert details["gpa"] == ("met", "GPA 3.40 ≥ 3.00 required")
    assert details["state"] == ("unmet", "needs state: CA — profile says TX")
    assert details["citizenship"][0] == "unknown"
    assert "citizenship not in profile" in details["citizenship"][1]
    assert index.rank(student, today=TODAY, limit=5) == []  # the unmet state excludes it

    moved = ProfileFacts.of(
        type(
            "P",
            (),
            {
                "gpa": 3.4,
                "major": "Civil Engineering",
                "academic_level": "undergraduate",
                "state": "CA",
                "citizenship": None,
            },
        )()
    )
    [match] = index.rank(moved, today=TODAY, limit=5)
    _criteria, reasons = explain(index, match, moved, today=TODAY)
    assert match.unknowns == 1 and match.chance != "high"
    assert "Your GPA clears the 3.0 minimum by 0.40" in reasons
    assert any(r.startswith("Confirm in your profile: citizenship") for r in reasons)


def test_unknowns_lower_the_score() -> None:
    index = index_from_entries([_entry(min_gpa=3.0, citizenship=["us_citizen"])])
    known = ProfileFacts.of(
        type(
            "P", (), {"gpa": 3.5, "academic_level": "undergraduate", "citizenship": "us_citizen"}
        )()
    )
    vague = ProfileFacts.of(
        type("P", (), {"gpa": None, "academic_level": "undergraduate", "citizenship": None})()
    )
    [a] = index.rank(known, today=TODAY, limit=1)
    [b] = index.rank(vague, today=TODAY, limit=1)
    assert a.score > b.score and b.unknowns == 2


def test_demographics_are_opt_in_never_unmet() -> None:
    index = index_from_entries([_entry(demographics=["hispanic_latino"])])
    p = ProfileFacts.of(
        type("P", (), {"academic_level": "undergraduate", "demographics": ["women"]})()
    )
    assert index.statuses(p)[CRITERIA.index("demographics"), 0] == UNKNOWN
    assert len(index.rank(p, today=TODAY, limit=1)) == 1


@pytest.mark.parametrize("gpa,weighted,expected", [(4.4, True, "met"), (3.8, False, "unmet")])
def test_weighted_gpa_is_compared_on_the_four_point_scale(
    gpa: float, weighted: bool, expected: str
) -> None:
    p = ProfileFacts.of(
        type("P", (), {"gpa": gpa, "gpa_weighted": weighted, "academic_level": "undergraduate"})()
    )
    [c] = [c for c in evaluate(Row(_entry(min_gpa=3.9)), p) if c.criterion == "gpa"]
    assert c.status == expected


def test_excluded_ids_are_left_out() -> None:
    index = index_from_entries(synthetic_entries(500, seed=2))
    p = ProfileFacts()
    top = index.rank(p, today=TODAY, limit=5)
    again = index.rank(p, today=TODAY, limit=5, exclude_ids=[top[0].scholarship_id])
    assert top[0].scholarship_id not in {m.scholarship_id for m in again}
    assert again[0] == top[1]
