"""Twelve realistic students against 25 well-known programmes, with true eligibility decided
independently from each programme's published rules (tests/data/personas.json, one cited source
per row): the engine never shows an ineligible programme as a match, and every programme a
student can truly apply to appears in Matches, Possible or Opens later."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from scholarlink.domain.eligibility import Profile
from scholarlink.domain.engine import MatchResult, match_all
from scholarlink.services.catalogue import DEFAULT_CATALOGUE, parse_catalogue

ORACLE = json.loads((Path(__file__).parent.parent / "data" / "personas.json").read_text())
AS_OF = date.fromisoformat(ORACLE["as_of"])
ENTRIES = [(e.slug, e) for e in parse_catalogue(DEFAULT_CATALOGUE).entries]

# The personas' facts, as the oracle's author was given them.
PERSONAS: dict[str, Profile] = {
    "tx-senior": Profile(academic_level="high_school_senior", graduation_year=2027, state="TX", citizenship="us_citizen", gpa=3.8, gpa_weighted=False, sat=1350, major="Computer Science", demographics=frozenset({"hispanic_latino"}), financial_need=True, pell_eligible=True, birth_date=date(2008, 9, 14)),
    "daca-cc": Profile(academic_level="community_college", graduation_year=2027, state="CA", school_state="CA", citizenship="daca", gpa=3.4, gpa_weighted=False, major="Business", demographics=frozenset({"hispanic_latino", "first_generation"}), financial_need=True, pell_eligible=False, birth_date=date(2005, 3, 2)),
    "phd-student": Profile(academic_level="graduate", graduation_year=2030, state="MA", school_state="MA", citizenship="us_citizen", gpa=3.9, major="Physics", demographics=frozenset(), financial_need=False, birth_date=date(1999, 6, 20)),
    "f1-sophomore": Profile(academic_level="undergraduate", graduation_year=2029, state="NY", school_state="NY", citizenship="international", gpa=3.6, gpa_weighted=False, major="Economics", demographics=frozenset(), birth_date=date(2006, 1, 10)),
    "veteran": Profile(academic_level="undergraduate", graduation_year=2030, state="VA", school_state="VA", citizenship="us_citizen", gpa=3.2, major="Mechanical Engineering", demographics=frozenset({"veteran"}), financial_need=True, pell_eligible=True, birth_date=date(1996, 11, 5)),
    "senior-25-no-essay": Profile(academic_level="high_school_senior", graduation_year=2027, state="OH", citizenship="us_citizen", gpa=2.5, gpa_weighted=False, act=19, demographics=frozenset(), financial_need=True, pell_eligible=True, birth_date=date(2008, 5, 1)),
    "junior": Profile(academic_level="high_school_junior", graduation_year=2028, state="CA", citizenship="us_citizen", gpa=3.9, gpa_weighted=False, sat=1450, major="Biology", demographics=frozenset(), financial_need=False, birth_date=date(2009, 10, 12)),
    "homeschool-senior": Profile(academic_level="high_school_senior", graduation_year=2027, state="FL", citizenship="us_citizen", gpa=3.7, gpa_weighted=False, act=30, major="History", demographics=frozenset(), birth_date=date(2008, 7, 19)),
    "senior-blank": Profile(academic_level="high_school_senior", graduation_year=2027, state="GA", citizenship="us_citizen", gpa=3.5, gpa_weighted=False, major="Nursing"),
    "nursing-sophomore": Profile(academic_level="undergraduate", graduation_year=2029, state="IL", school_state="IL", citizenship="us_citizen", gpa=3.3, major="Nursing", demographics=frozenset({"women"}), financial_need=True, pell_eligible=True, birth_date=date(2006, 2, 14)),
    "ga-firstgen": Profile(academic_level="undergraduate", graduation_year=2030, state="GA", school_state="GA", citizenship="us_citizen", gpa=3.1, major="Psychology", demographics=frozenset({"black_african_american", "women", "first_generation"}), financial_need=True, pell_eligible=True, birth_date=date(2007, 8, 30)),
    "navajo-freshman": Profile(academic_level="undergraduate", graduation_year=2030, state="AZ", school_state="AZ", citizenship="us_citizen", gpa=3.0, major="Nursing", demographics=frozenset({"native_american", "first_generation"}), financial_need=True, pell_eligible=True, birth_date=date(2007, 4, 4), memberships=("Navajo Nation",)),
}  # fmt: skip

_RESULTS: dict[str, MatchResult] = {}


def _result(persona: str) -> MatchResult:
    if persona not in _RESULTS:
        _RESULTS[persona] = match_all(ENTRIES, PERSONAS[persona], AS_OF)
    return _RESULTS[persona]


def _groups(persona: str) -> dict[str, set[str]]:
    r = _result(persona)
    return {
        "match": {j.entry.slug for j in r.matches},
        "possible": {j.entry.slug for j in r.possible},
        "opens_later": {j.entry.slug for j in r.opens_later},
    }


def test_the_oracle_covers_every_persona_and_programme() -> None:
    programmes = {p["slug"] for p in ORACLE["programmes"]}
    assert len(PERSONAS) >= 12 and len(programmes) >= 25
    pairs = {(t["persona"], t["slug"]) for t in ORACLE["truth"]}
    assert pairs == {(p, s) for p in PERSONAS for s in programmes}
    assert all(t["source"].startswith("http") and t["why"] for t in ORACLE["truth"])
    catalogue = {slug for slug, _ in ENTRIES}
    assert programmes <= catalogue


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_no_ineligible_programme_is_ever_a_match(persona: str) -> None:
    shown = _groups(persona)["match"]
    wrong = [
        f"{t['slug']}: {t['why']}"
        for t in ORACLE["truth"]
        if t["persona"] == persona and t["truth"] == "ineligible" and t["slug"] in shown
    ]
    assert not wrong, "\n".join(wrong)


@pytest.mark.parametrize("persona", sorted(PERSONAS))
def test_every_truly_eligible_programme_is_shown_somewhere(persona: str) -> None:
    groups = _groups(persona)
    shown = groups["match"] | groups["possible"] | groups["opens_later"]
    missing = [
        f"{t['slug']}: {t['why']}"
        for t in ORACLE["truth"]
        if t["persona"] == persona and t["truth"] == "eligible" and t["slug"] not in shown
    ]
    assert not missing, "\n".join(missing)
