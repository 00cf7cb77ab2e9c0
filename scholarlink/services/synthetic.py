"""Seeded synthetic catalogues for benchmarks — never mixed with the real catalogue.

Rows are named "Synthetic scholarship #n", use example.org URLs and load with source="synthetic",
which the catalogue search and the student app never show.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from typing import Any

from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    INTERESTS,
    MAJOR_FIELDS,
    US_STATES,
)

_LEVELS = list(ACADEMIC_LEVELS)
_MAJORS = list(MAJOR_FIELDS)
_STATES = list(US_STATES)
_CITIZENSHIP = list(CITIZENSHIP)
_DEMOGRAPHICS = list(DEMOGRAPHICS)
_INTERESTS = list(INTERESTS)
_AMOUNTS = (500, 1000, 1500, 2000, 2500, 5000, 7500, 10000, 20000, 40000)


def synthetic_entries(count: int, *, seed: int = 1) -> Iterator[dict[str, Any]]:
    """`count` catalogue entries drawn from a distribution shaped like the real catalogue."""
    rng = random.Random(seed)  # noqa: S311 - reproducible benchmark data, not secrets
    for n in range(1, count + 1):
        amount = rng.choice(_AMOUNTS)
        month = rng.randint(1, 12)
        yield {
            "slug": f"synthetic-{seed}-{n}",
            "name": f"Synthetic scholarship #{n}",
            "provider": f"Synthetic foundation {rng.randint(1, 500)}",
            "amount_min": amount,
            "amount_max": amount * rng.choice((1, 1, 2)),
            "deadline_month": month,
            "deadline_day": rng.randint(1, 28),
            "levels": rng.sample(_LEVELS, rng.randint(1, 3)),
            "min_gpa": rng.choice((None, None, 2.5, 3.0, 3.3, 3.5)),
            "majors": [] if rng.random() < 0.5 else rng.sample(_MAJORS, rng.randint(1, 3)),
            "states": [] if rng.random() < 0.8 else [rng.choice(_STATES)],
            "citizenship": [] if rng.random() < 0.5 else ["us_citizen", "permanent_resident"],
            "demographics": [] if rng.random() < 0.8 else [rng.choice(_DEMOGRAPHICS)],
            "financial_need": rng.random() < 0.25,
            "essay_required": rng.random() < 0.6,
            "renewable": rng.random() < 0.3,
            "awards_per_year": rng.choice((None, 1, 5, 10, 50, 100, 500)),
            "interests": rng.sample(_INTERESTS, rng.randint(0, 3)),
            "url": f"https://example.org/synthetic/{seed}/{n}",
            "description": "Synthetic benchmark entry; not a real scholarship.",
        }
