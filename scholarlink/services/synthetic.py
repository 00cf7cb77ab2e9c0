"""Synthetic catalogue entries (format 2) for benchmarks: plausible rules, cycles and amounts,
clearly not real (example.org URLs, source "synthetic"), never shown to students."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

from scholarlink.domain.vocabulary import DEMOGRAPHICS, INSTITUTION_KINDS, LEVELS, US_STATES

_CIP = ["11", "14", "26", "27", "40", "51.38", "52", "13", "45", "50", "09", "22.01"]
_CITIZENSHIP = [
    ["us_citizen", "us_national", "permanent_resident"],
    ["us_citizen", "us_national", "permanent_resident", "refugee_asylee", "daca"],
]


_COLLEGES = [f"Synthetic College {n}" for n in range(400)]
_GROUPS = [f"Synthetic Association {n}" for n in range(60)]
_TRACK = [{"type": "test_score", "act_min": 24}, {"type": "gpa", "min": 3.0}]


def _rules(rng: random.Random, n: int) -> list[dict[str, Any]]:
    """A rule mix like the real catalogue's (share of entries carrying each rule type, measured
    on scholarlink/data/catalogue: level 81 %, a requirement to confirm 93 % (about two each,
    nearly all worded differently), citizenship 38 %, school state 37 %, institution 35 %,
    residence 35 %, need 33 %, either/or 27 %, field 26 %, GPA 24 %, demographics 24 %,
    unrecorded 23 %, age 11 %, membership 9 %, test scores 3 %)."""
    levels = list(LEVELS)
    states = list(US_STATES)
    groups = list(DEMOGRAPHICS)
    rules: list[dict[str, Any]] = []
    if rng.random() < 0.81:
        rules.append({"type": "level", "levels": sorted(rng.sample(levels, rng.randint(1, 4)))})
    if rng.random() < 0.24:
        gpa: dict[str, Any] = {"type": "gpa", "min": rng.choice([2.5, 3.0, 3.3, 3.5])}
        if rng.random() < 0.3:
            gpa["basis"] = "unweighted"
        if rng.random() < 0.2:
            gpa["levels"] = ["high_school_senior"]
        rules.append(gpa)
    if rng.random() < 0.38:
        rules.append({"type": "citizenship", "allowed": rng.choice(_CITIZENSHIP)})
    if rng.random() < 0.35:
        rules.append({"type": "residence_state", "states": rng.sample(states, 1)})
    if rng.random() < 0.37:
        rules.append({"type": "school_state", "states": rng.sample(states, 1)})
    if rng.random() < 0.35:
        if rng.random() < 0.5:
            rules.append({"type": "institution", "names": [rng.choice(_COLLEGES)]})
        else:
            rules.append({"type": "institution", "kind": rng.choice(list(INSTITUTION_KINDS))})
    if rng.random() < 0.33:
        rules.append(rng.choice([{"type": "need", "financial_need": True}, {"type": "need", "pell_eligible": True}, {"type": "need", "max_household_income": rng.choice([60000, 90000, 125000])}]))  # fmt: skip
    if rng.random() < 0.27:
        rules.append({"type": "any_of", "groups": [[t] for t in _TRACK]})
    if rng.random() < 0.26:
        rules.append({"type": "field_of_study", "cip": rng.sample(_CIP, 2)})
    if rng.random() < 0.24:
        rules.append({"type": "demographics", "any_of": rng.sample(groups, 1)})
    if rng.random() < 0.23:
        rules.append({"type": "unrecorded", "about": f"requirement {n}"})
    if rng.random() < 0.11:
        rules.append({"type": "age", "max": rng.choice([19, 24, 30])})
    if rng.random() < 0.09:
        group = rng.choice(_GROUPS)
        rules.append({"type": "membership", "any_of": [group], "question": f"Are you a member of {group}?"})  # fmt: skip
    if rng.random() < 0.03:
        rules.append({"type": "test_score", "sat_min": 1200, "act_min": 26})
    for k in range(rng.choice([0, 1, 2, 2, 3, 4])):
        rules.append({"type": "confirm", "question": f"Does requirement {n}.{k} of this award apply to you?"})  # fmt: skip
    return rules


def _cycle(rng: random.Random) -> dict[str, Any]:
    """Fixed 47 %, varies 44 %, rolling 9 %, as in the real catalogue."""
    draw = rng.random()
    if draw < 0.47:
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        return {"read_for": "2025-26", "opens": None, "deadline": date(2026, month, day).isoformat(), "kind": "fixed"}  # fmt: skip
    return {"read_for": "2025-26", "kind": "varies" if draw < 0.91 else "rolling"}


def synthetic_entries(count: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    for n in range(count):
        high = rng.choice([500, 1000, 2500, 5000, 10000, 25000])
        awards = rng.choice([None, None, None, 5, 50, 500])
        yield {
            "slug": f"synthetic-{seed}-{n}",
            "name": f"Synthetic award {n}",
            "provider": "Synthetic data",
            "kind": rng.choice(["private"] * 9 + ["state"] * 8 + ["federal"] * 3 + ["military"]),
            "status": "active",
            "inactive_reason": None,
            "url": f"https://example.org/synthetic/{n}",
            "verified_on": "2026-12-01",
            "sources": [{"url": "https://example.org/synthetic", "facts": []}],
            "amount": {"min": high // 2, "max": high, "period": "one_time"},
            "awards_per_year": awards,
            "applicants_per_year": awards * rng.choice([4, 20, 80])
            if awards and rng.random() < 0.2
            else None,
            "renewable": False,
            "effort": {"essay": rng.random() < 0.6, "letters": rng.random() < 0.3},
            "cycles": [_cycle(rng)],
            "rules": _rules(rng, n),
            "description": "A synthetic benchmark row; not a real scholarship.",
        }
