"""A credibility signal for a scholarship: red flags that often mark a scam, and good signs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, Literal
from urllib.parse import urlparse

RED_FLAG_PATTERNS: tuple[tuple[str, str], ...] = (
    (
        r"\bapplication fee\b|\bprocessing fee\b|\bpay (a|the) fee\b",
        "Asks for a fee — real scholarships never charge to apply",
    ),
    (r"\bguarantee(d)?\b", "Promises a guaranteed award"),
    (
        r"\bcredit card\b|\bbank account\b|\bsocial security number\b",
        "Asks for financial or identity details up front",
    ),
    (
        r"\byou (have )?(already )?won\b|\bselected as a winner\b",
        "Says you won something you never applied for",
    ),
    (r"\bact now\b|\blimited time\b|\bonly \d+ spots\b", "Pressure to act immediately"),
)
TRUSTED_SUFFIXES = (".gov", ".edu", ".org", ".us", ".mil")


@dataclass
class Credibility:
    level: Literal["trusted", "caution", "warning"]
    signals: list[str] = field(default_factory=list)
    red_flags: list[str] = field(default_factory=list)


def assess(s: Any) -> Credibility:
    """From the catalogue entry's own facts: URL, provider, description."""
    text = f"{s.name} {s.description}".lower()
    red = [message for pattern, message in RED_FLAG_PATTERNS if re.search(pattern, text)]
    good: list[str] = []
    parsed = urlparse(s.url)
    host = (parsed.hostname or "").lower()
    if parsed.scheme == "https":
        good.append("Official site uses HTTPS")
    else:
        red.append("Official site is not served over HTTPS")
    if host.endswith(TRUSTED_SUFFIXES):
        good.append(f"Run from a {host.rsplit('.', 1)[-1]} domain ({host})")
    if getattr(s, "source", "catalogue") == "catalogue":
        good.append("Listed in ScholarLink's reviewed catalogue")
    if s.awards_per_year:
        good.append(f"Publishes how many awards it makes ({s.awards_per_year:,} a year)")
    if not red:
        good.append("No application fee and no red-flag wording")
    level: Literal["trusted", "caution", "warning"] = (
        "warning" if len(red) >= 2 else "caution" if red else "trusted"
    )
    return Credibility(level=level, signals=good, red_flags=red)
