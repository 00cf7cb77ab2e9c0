"""Matching: hard eligibility first, then a deterministic weighted score, over NumPy arrays.

A `CatalogueIndex` holds the active catalogue as column arrays (list criteria as bit masks), so
ranking one profile is a handful of vectorised passes; Python objects are made only for the
short list that is returned.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import sqlalchemy as sa
from numpy.typing import NDArray
from sqlmodel import Session

from scholarlink.models import Scholarship
from scholarlink.services.deadlines import days_until
from scholarlink.services.eligibility import Criterion, ProfileFacts, evaluate
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    INTERESTS,
    MAJOR_FIELDS,
    US_STATES,
)

# Status codes used in the arrays.
NA, MET, UNMET, UNKNOWN = 0, 1, 2, 3
CRITERIA = ("level", "gpa", "major", "state", "citizenship", "demographics", "financial_need")

WEIGHTS = {
    "relevance": 30.0,
    "amount": 20.0,
    "gpa": 15.0,
    "specificity": 15.0,
    "deadline": 10.0,
    "competition": 10.0,
}
UNKNOWN_PENALTY = 0.1  # each unknown criterion takes 10 % off the score (at most 50 %)


def _bits(vocabulary: Iterable[str]) -> dict[str, int]:
    return {key: 1 << i for i, key in enumerate(vocabulary)}


LEVEL_BITS = _bits(ACADEMIC_LEVELS)
MAJOR_BITS = _bits(MAJOR_FIELDS)
STATE_BITS = _bits(US_STATES)
CITIZENSHIP_BITS = _bits(CITIZENSHIP)
DEMOGRAPHIC_BITS = _bits(DEMOGRAPHICS)
INTEREST_BITS = _bits(INTERESTS)
assert len(STATE_BITS) <= 63


def _mask(values: Sequence[str], bits: dict[str, int]) -> int:
    m = 0
    for v in values:
        m |= bits.get(v, 0)
    return m


def _popcount(a: NDArray[np.int64]) -> NDArray[np.int64]:
    return np.bitwise_count(a.astype(np.uint64)).astype(np.int64)


_COLUMNS = (
    "id",
    "amount_min",
    "amount_max",
    "deadline_month",
    "deadline_day",
    "levels",
    "min_gpa",
    "majors",
    "states",
    "citizenship",
    "demographics",
    "interests",
    "financial_need",
    "awards_per_year",
)


class CatalogueIndex:
    """The active catalogue as arrays; immutable once built."""

    def __init__(self, rows: Iterable[Sequence[Any]]) -> None:
        rows = list(rows)
        n = len(rows)
        self.size = n
        self.ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=n)
        self.amount_min = np.fromiter((r[1] for r in rows), dtype=np.int64, count=n)
        self.amount_max = np.fromiter((r[2] for r in rows), dtype=np.int64, count=n)
        self.month = np.fromiter((r[3] for r in rows), dtype=np.int64, count=n)
        self.day = np.fromiter((r[4] for r in rows), dtype=np.int64, count=n)
        self.levels = np.fromiter((_mask(r[5], LEVEL_BITS) for r in rows), dtype=np.int64, count=n)
        self.min_gpa = np.fromiter(
            (math.nan if r[6] is None else r[6] for r in rows), dtype=np.float64, count=n
        )
        self.majors = np.fromiter((_mask(r[7], MAJOR_BITS) for r in rows), dtype=np.int64, count=n)
        self.states = np.fromiter((_mask(r[8], STATE_BITS) for r in rows), dtype=np.int64, count=n)
        self.citizenship = np.fromiter(
            (_mask(r[9], CITIZENSHIP_BITS) for r in rows), dtype=np.int64, count=n
        )
        self.demographics = np.fromiter(
            (_mask(r[10], DEMOGRAPHIC_BITS) for r in rows), dtype=np.int64, count=n
        )
        self.interests = np.fromiter(
            (_mask(r[11], INTEREST_BITS) for r in rows), dtype=np.int64, count=n
        )
        self.need = np.fromiter((bool(r[12]) for r in rows), dtype=np.bool_, count=n)
        self.awards = np.fromiter(
            (math.nan if r[13] is None else r[13] for r in rows), dtype=np.float64, count=n
        )
        self.md = self.month * 100 + self.day
        # Precomputed parts of the score that do not depend on the profile.
        self.amount_part = np.clip((np.log10(np.maximum(self.amount_max, 1)) - 2.5) / 2.5, 0, 1)
        self.competition_part = np.where(
            np.isnan(self.awards), 0.5, np.clip(np.log10(np.nan_to_num(self.awards) + 1) / 3, 0, 1)
        )
        self.interest_count = _popcount(self.interests)
        # Very selective, large awards are never a "high" chance.
        self.selective = (
            (~np.isnan(self.awards))
            & (np.nan_to_num(self.awards, nan=1e9) <= 25)
            & (self.amount_max >= 20_000)
        )
        self.position = {int(sid): i for i, sid in enumerate(self.ids)} if n <= 200_000 else {}

    # -- eligibility -------------------------------------------------------------------------

    def statuses(self, p: ProfileFacts) -> NDArray[np.int8]:
        """A (criteria × rows) matrix of NA/MET/UNMET/UNKNOWN, the vector form of evaluate()."""
        n = self.size
        out = np.zeros((len(CRITERIA_INDEX), n), dtype=np.int8)

        def mask_rule(
            row: int, required: NDArray[np.int64], have: int | None, unknown_if_none: bool = True
        ) -> None:
            stated = required != 0
            if have is None:
                out[row] = np.where(stated, UNKNOWN if unknown_if_none else NA, NA)
            else:
                out[row] = np.where(stated, np.where(required & have, MET, UNMET), NA)

        level = LEVEL_BITS.get(p.academic_level) if p.academic_level else None
        mask_rule(CRITERIA_INDEX["level"], self.levels, level)

        stated_gpa = ~np.isnan(self.min_gpa)
        gpa = p.comparable_gpa
        if gpa is None:
            out[CRITERIA_INDEX["gpa"]] = np.where(stated_gpa, UNKNOWN, NA)
        else:
            ok = np.nan_to_num(self.min_gpa, nan=0.0) <= gpa + 1e-9
            out[CRITERIA_INDEX["gpa"]] = np.where(stated_gpa, np.where(ok, MET, UNMET), NA)

        fields = _mask(sorted(p.fields), MAJOR_BITS) or None
        mask_rule(CRITERIA_INDEX["major"], self.majors, fields)
        state = STATE_BITS.get(p.state) if p.state else None
        mask_rule(CRITERIA_INDEX["state"], self.states, state)
        cit = CITIZENSHIP_BITS.get(p.citizenship) if p.citizenship else None
        mask_rule(CRITERIA_INDEX["citizenship"], self.citizenship, cit)

        demo = _mask(sorted(p.demographics), DEMOGRAPHIC_BITS)
        stated_demo = self.demographics != 0
        out[CRITERIA_INDEX["demographics"]] = np.where(
            stated_demo, np.where(self.demographics & demo, MET, UNKNOWN), NA
        )

        row = CRITERIA_INDEX["financial_need"]
        if p.financial_need is None:
            out[row] = np.where(self.need, UNKNOWN, NA)
        else:
            out[row] = np.where(self.need, MET if p.financial_need else UNMET, NA)
        return out

    # -- ranking -----------------------------------------------------------------------------

    def scores(self, p: ProfileFacts, status: NDArray[np.int8], today: date) -> NDArray[np.int64]:
        major = status[CRITERIA_INDEX["major"]]
        major_part = np.select([major == MET, major == NA], [1.0, 0.5], 0.3)
        interest_mask = _mask(sorted(p.interests), INTEREST_BITS)
        shared = _popcount(self.interests & interest_mask)
        interest_part = np.where(
            self.interest_count > 0, shared / np.maximum(self.interest_count, 1), 0.5
        )
        relevance = 0.7 * major_part + 0.3 * interest_part

        gpa_status = status[CRITERIA_INDEX["gpa"]]
        gpa = p.comparable_gpa
        margin = (gpa if gpa is not None else 0.0) - np.nan_to_num(self.min_gpa, nan=0.0)
        gpa_part = np.select(
            [gpa_status == MET, gpa_status == NA], [0.6 + 0.4 * np.clip(margin, 0, 1), 0.6], 0.3
        )

        days = _days_until(self.md, today)
        deadline_part = np.select([days < 3, days < 14, days <= 120], [0.1, 0.5, 1.0], 0.7)

        targeted = (
            (status[CRITERIA_INDEX["state"]] == MET).astype(np.int64)
            + (status[CRITERIA_INDEX["demographics"]] == MET)
            + (status[CRITERIA_INDEX["financial_need"]] == MET)
            + (major == MET)
        )
        specificity = np.minimum(targeted / 2.0, 1.0)

        raw = (
            WEIGHTS["relevance"] * relevance
            + WEIGHTS["amount"] * self.amount_part
            + WEIGHTS["gpa"] * gpa_part
            + WEIGHTS["specificity"] * specificity
            + WEIGHTS["deadline"] * deadline_part
            + WEIGHTS["competition"] * self.competition_part
        )
        unknowns = (status == UNKNOWN).sum(axis=0)
        confidence = np.maximum(0.5, 1.0 - UNKNOWN_PENALTY * unknowns)
        return np.clip(np.rint(raw * confidence), 0, 100).astype(np.int64)

    def rank(
        self,
        p: ProfileFacts,
        *,
        today: date,
        limit: int,
        exclude_ids: Iterable[int] = (),
    ) -> list[RankedMatch]:
        """The `limit` best eligible scholarships, best first; ties broken by amount, then id."""
        if self.size == 0 or limit <= 0:
            return []
        status = self.statuses(p)
        eligible = ~(status == UNMET).any(axis=0)
        excluded = list(exclude_ids)
        if excluded:
            eligible &= ~np.isin(self.ids, np.asarray(excluded, dtype=np.int64))
        candidates = np.flatnonzero(eligible)
        if candidates.size == 0:
            return []
        scores = self.scores(p, status, today)
        cand_scores = scores[candidates]
        if candidates.size > limit:
            kth = np.partition(cand_scores, cand_scores.size - limit)[cand_scores.size - limit]
            keep = cand_scores >= kth  # every tie at the cut-off stays for the exact sort
            candidates, cand_scores = candidates[keep], cand_scores[keep]
        order = np.lexsort((self.ids[candidates], -self.amount_max[candidates], -cand_scores))
        chosen = candidates[order[:limit]]
        unknowns = (status[:, chosen] == UNKNOWN).sum(axis=0)
        return [
            RankedMatch(
                scholarship_id=int(self.ids[i]),
                score=int(scores[i]),
                chance=_chance(int(scores[i]), int(u), bool(self.selective[i])),
                unknowns=int(u),
                row=int(i),
            )
            for i, u in zip(chosen, unknowns, strict=True)
        ]

    def criteria_view(self, row: int) -> _RowCriteria:
        """The stated criteria of one row, decoded from the masks (for explanations)."""
        return _RowCriteria(
            levels=_decode(int(self.levels[row]), LEVEL_BITS),
            min_gpa=None if math.isnan(self.min_gpa[row]) else float(self.min_gpa[row]),
            majors=_decode(int(self.majors[row]), MAJOR_BITS),
            states=_decode(int(self.states[row]), STATE_BITS),
            citizenship=_decode(int(self.citizenship[row]), CITIZENSHIP_BITS),
            demographics=_decode(int(self.demographics[row]), DEMOGRAPHIC_BITS),
            financial_need=bool(self.need[row]),
            interests=_decode(int(self.interests[row]), INTEREST_BITS),
        )


CRITERIA_INDEX = {name: i for i, name in enumerate(CRITERIA)}


def _decode(mask: int, bits: dict[str, int]) -> list[str]:
    return [k for k, b in bits.items() if mask & b]


@dataclass(frozen=True)
class _RowCriteria:
    levels: list[str]
    min_gpa: float | None
    majors: list[str]
    states: list[str]
    citizenship: list[str]
    demographics: list[str]
    financial_need: bool
    interests: list[str]


def _days_until(md: NDArray[np.int64], today: date) -> NDArray[np.int64]:
    """Days from today to each month/day's next occurrence (vectorised days_until)."""
    year = today.year
    this = _ordinals(md, year)
    nxt = _ordinals(md, year + 1)
    t = today.toordinal()
    return np.where(this >= t, this - t, nxt - t)


def _ordinals(md: NDArray[np.int64], year: int) -> NDArray[np.int64]:
    months = md // 100
    days = md % 100
    # Month start ordinals and lengths for this year (Feb 29 falls back to Feb 28).
    starts = np.array([date(year, m, 1).toordinal() for m in range(1, 13)], dtype=np.int64)
    lengths = np.array(
        [(date(year + (m == 12), m % 12 + 1, 1) - date(year, m, 1)).days for m in range(1, 13)],
        dtype=np.int64,
    )
    return starts[months - 1] + np.minimum(days, lengths[months - 1]) - 1


def _chance(score: int, unknowns: int, selective: bool) -> str:
    if score >= 70 and unknowns == 0 and not selective:
        return "high"
    if score >= 50:
        return "competitive"
    return "long_shot"


@dataclass(frozen=True)
class RankedMatch:
    scholarship_id: int
    score: int
    chance: str
    unknowns: int
    row: int


# -- explanations -----------------------------------------------------------------------------


def explain(
    index: CatalogueIndex, match: RankedMatch, p: ProfileFacts, *, today: date
) -> tuple[list[Criterion], list[str]]:
    """Eligibility in words and the reasons a student can read, for one short-listed match."""
    view = index.criteria_view(match.row)
    criteria = evaluate(view, p)
    reasons: list[str] = []
    by_name = {c.criterion: c for c in criteria}
    if (c := by_name.get("major")) and c.status == "met":
        reasons.append(f"Made for your field: {c.detail.split(' — ')[0].removeprefix('for ')}")
    elif not view.majors:
        reasons.append("Open to every major")
    shared = [INTERESTS[k] for k in view.interests if k in p.interests]
    if shared:
        reasons.append("Fits your interests: " + ", ".join(shared))
    if (c := by_name.get("gpa")) and c.status == "met" and view.min_gpa is not None:
        margin = (p.comparable_gpa or 0) - view.min_gpa
        reasons.append(f"Your GPA clears the {view.min_gpa:.1f} minimum by {margin:.2f}")
    amount_max = int(index.amount_max[match.row])
    amount_min = int(index.amount_min[match.row])
    if amount_max == amount_min:
        reasons.append(f"Award of ${amount_max:,}")
    else:
        reasons.append(f"Awards from ${amount_min:,} to ${amount_max:,}")
    for name, label in (
        ("state", "residency"),
        ("demographics", "background"),
        ("financial_need", "need"),
    ):
        if (c := by_name.get(name)) and c.status == "met":
            reasons.append(f"Targeted by {label} — a smaller applicant pool you belong to")
    days = days_until(int(index.month[match.row]), int(index.day[match.row]), today)
    if days < 14:
        reasons.append(f"Deadline in {days} day{'s' if days != 1 else ''} — act now")
    else:
        reasons.append(f"Deadline in {days} days")
    awards = index.awards[match.row]
    if not math.isnan(awards):
        reasons.append(f"About {int(awards):,} award{'s' if awards != 1 else ''} a year")
    unknown = [c for c in criteria if c.status == "unknown"]
    if unknown:
        fields = sorted({c.profile_field for c in unknown if c.profile_field})
        reasons.append("Confirm in your profile: " + ", ".join(f.replace("_", " ") for f in fields))
    return criteria, reasons


# -- the index for the database's active catalogue --------------------------------------------

_cache_lock = threading.Lock()
_cache: dict[str, tuple[tuple[Any, ...], CatalogueIndex]] = {}


def catalogue_index(session: Session) -> CatalogueIndex:
    """The active catalogue's index, rebuilt only when the catalogue changed."""
    bind = session.get_bind()
    key = str(bind.engine.url) if hasattr(bind, "engine") else str(bind)
    stamp = tuple(
        session.execute(
            sa.select(
                sa.func.count(), sa.func.max(Scholarship.updated_at), sa.func.max(Scholarship.id)
            ).where(Scholarship.is_active, Scholarship.source == "catalogue")  # type: ignore[arg-type]
        ).one()
    )
    with _cache_lock:
        cached = _cache.get(key)
        if cached and cached[0] == stamp:
            return cached[1]
    columns = [getattr(Scholarship, c) for c in _COLUMNS]
    rows = session.execute(
        sa.select(*columns)
        .where(Scholarship.is_active, Scholarship.source == "catalogue")  # type: ignore[arg-type]
        .order_by(Scholarship.id)  # type: ignore[arg-type]
    ).all()
    index = CatalogueIndex(rows)
    with _cache_lock:
        _cache[key] = (stamp, index)
    return index


def index_from_entries(entries: Iterable[dict[str, Any]]) -> CatalogueIndex:
    """An index over catalogue-file entries (benchmarks, tests); ids are 1-based positions."""
    return CatalogueIndex(
        (i, *(e[c] for c in _COLUMNS[1:])) for i, e in enumerate(entries, start=1)
    )
