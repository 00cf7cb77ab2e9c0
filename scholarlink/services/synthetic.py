"""Synthetic catalogue entries (format 2) for benchmarks: plausible rules, cycles and amounts,
clearly not real (example.org URLs, source "synthetic"), never shown to students."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date
from typing import Any

from scholarlink.domain.vocabulary import DEMOGRAPHICS, LEVELS, US_STATES

_CIP = ["11", "14", "26", "27", "40", "51.38", "52", "13", "45", "50", "09", "22.01"]
_CITIZENSHIP = [
    ["us_citizen", "us_national", "permanent_resident"],
    ["us_citizen", "us_national", "permanent_resident", "refugee_asylee", "daca"],
]


def synthetic_entries(count: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    rng = random.Random(seed)  # noqa: S311 - benchmark data, not security
    levels = list(LEVELS)
    states = list(US_STATES)
    groups = list(DEMOGRAPHICS)
    for n in range(count):
        rules: list[dict[str, Any]] = [
            {"type": "level", "levels": sorted(rng.sample(levels, rng.randint(1, 3)))}
        ]
        if rng.random() < 0.5:
            rules.append({"type": "gpa", "min": rng.choice([2.5, 3.0, 3.3, 3.5]), "scale": 4.0})
        if rng.random() < 0.4:
            rules.append({"type": "citizenship", "allowed": rng.choice(_CITIZENSHIP)})
        if rng.random() < 0.3:
            rules.append({"type": "residence_state", "states": rng.sample(states, 1)})
        if rng.random() < 0.2:
            rules.append({"type": "demographics", "any_of": rng.sample(groups, 1)})
        if rng.random() < 0.3:
            rules.append({"type": "field_of_study", "cip": rng.sample(_CIP, 2)})
        if rng.random() < 0.2:
            rules.append({"type": "need", "financial_need": True})
        if rng.random() < 0.3:
            rules.append({"type": "confirm", "question": "Will you enrol full time next year?"})
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        high = rng.choice([500, 1000, 2500, 5000, 10000, 25000])
        yield {
            "slug": f"synthetic-{seed}-{n}",
            "name": f"Synthetic award {n}",
            "provider": "Synthetic data",
            "kind": rng.choice(["private", "private", "state", "federal"]),
            "status": "active",
            "inactive_reason": None,
            "url": f"https://example.org/synthetic/{n}",
            "verified_on": "2026-12-01",
            "sources": [{"url": "https://example.org/synthetic", "facts": []}],
            "amount": {"min": high // 2, "max": high, "period": "one_time"},
            "awards_per_year": rng.choice([None, 5, 50, 500]),
            "applicants_per_year": None,
            "renewable": False,
            "effort": {"essay": rng.random() < 0.6},
            "cycles": [
                {
                    "read_for": "2025-26",
                    "opens": None,
                    "deadline": date(2026, month, day).isoformat(),
                    "kind": "fixed",
                }
            ],
            "rules": rules,
            "description": "A synthetic benchmark row; not a real scholarship.",
        }
