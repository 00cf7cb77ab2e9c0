"""Ranking a counsellor would sign: expected money, not the biggest headline.

    value  = P(eligible) × P(award) × amount × effort × time
    score  = 100 × log10(1 + value) / log10(1 + 50,000), capped to 0–100

- P(eligible): 1 for a match (every hard rule met or confirmed); 0.5 per open question for a
  "possible" one.
- P(award): awards ÷ applicants where both are published; otherwise a documented prior by kind
  of award (PRIORS): federal and state aid reach most eligible applicants, a national private
  award with a published award count but no applicant count gets a prior by how many it gives.
- amount: the published maximum (else minimum); a programme that does not publish one counts as
  $1,000 (it is shown as "amount varies").
- effort: × 0.85 for an essay, × 0.9 for letters, × 0.9 for an interview, × 0.9 for a nomination.
- time: × 0.7 when fewer than 7 days are left, × 0.85 under 14 days (still worth it, but tight).

Chance levels come from published selectivity only, never from missing data: high ≥ 25 %,
competitive ≥ 5 %, else long shot; without published awards and applicants a programme is at best
"competitive". A programme with 2 % acceptance or less is never "high chance".
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date

from scholarlink.domain.rules import CatalogueEntry

UNKNOWN_AMOUNT = 1_000
SCORE_REFERENCE = 50_000
PRIORS = {
    "federal": 0.8,
    "state": 0.5,
    "institutional": 0.1,
    "military": 0.2,
}


def award_probability(entry: CatalogueEntry) -> tuple[float, str]:
    """P(award) and where it comes from."""
    awards, applicants = entry.awards_per_year, entry.applicants_per_year
    if awards and applicants:
        return min(
            1.0, awards / applicants
        ), f"{awards:,} awards for about {applicants:,} applicants"
    if entry.kind in PRIORS:
        prior = PRIORS[entry.kind]
        return prior, f"typical for {entry.kind} aid (no applicant figures published)"
    if awards is not None:
        prior = 0.2 if awards >= 1000 else 0.08 if awards >= 100 else 0.03
        return prior, f"{awards:,} awards a year; applicant numbers not published"
    return 0.05, "selectivity not published (assumed competitive)"


def published_odds(entry: CatalogueEntry) -> bool:
    return bool(entry.awards_per_year and entry.applicants_per_year)


def chance_level(p_award: float, *, published: bool = True) -> str:
    """From selectivity only. Without published awards and applicants the odds are a prior,
    not data: such a programme is at best "competitive", never "high chance"."""
    if p_award >= 0.25 and published:
        return "high"
    if p_award >= 0.05:
        return "competitive"
    return "long_shot"


def amount_of(entry: CatalogueEntry) -> int:
    return entry.amount.max or entry.amount.min or UNKNOWN_AMOUNT


def effort_factor(entry: CatalogueEntry) -> tuple[float, list[str]]:
    """The effort multiplier and what the programme asks for."""
    effort = 1.0
    asks = []
    e = entry.effort
    for flag, factor, word in (
        (e.essay, 0.85, "an essay"),
        (e.letters, 0.9, "letters"),
        (e.interview, 0.9, "an interview"),
        (e.nomination, 0.9, "a nomination"),
    ):
        if flag:
            effort *= factor
            asks.append(word)
    return effort, asks


def time_factor(days_left: int) -> float:
    return 0.7 if days_left < 7 else 0.85 if days_left < 14 else 1.0


@dataclass(frozen=True)
class Rank:
    score: int
    value: float
    chance: str
    reasons: list[str]


def rank(
    entry: CatalogueEntry,
    *,
    open_questions: int,
    deadline: date | None,
    today: date,
    soft_met: int = 0,
) -> Rank:
    p_eligible = 0.5**open_questions
    p_award, why = award_probability(entry)
    amount = amount_of(entry)
    effort, asks = effort_factor(entry)
    time = 1.0
    reasons = []
    if deadline is not None:
        days = (deadline - today).days
        time = time_factor(days)
        reasons.append("Due today" if days == 0 else f"Due in {days} day{'s' if days != 1 else ''}")
    value = p_eligible * p_award * amount * effort * time * (1 + 0.05 * soft_met)
    score = round(100 * math.log10(1 + value) / math.log10(1 + SCORE_REFERENCE))
    score = max(0, min(100, score))
    money = (
        f"Up to ${amount:,}"
        if entry.amount.max or entry.amount.min
        else "Amount varies (not published)"
    )
    if entry.amount.period == "per_year" and (entry.amount.max or entry.amount.min):
        money += " a year"
    reasons.insert(0, money)
    reasons.append(f"Odds: {why}")
    reasons.append(
        "Asks for " + ", ".join(asks) if asks else "No essay, letters or interview listed"
    )
    if open_questions:
        reasons.append(
            f"{open_questions} open question{'s' if open_questions != 1 else ''} lower its place"
        )
    return Rank(score, value, chance_level(p_award, published=published_odds(entry)), reasons)
