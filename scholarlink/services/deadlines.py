"""Deadlines: a programme's next one for anyone, and the one of a student's own cycle.

Dates come from the verified cycles of each catalogue entry (domain.cycles); a programme with
rolling or varying dates has no single deadline, and says so instead of showing an invented one.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from sqlmodel import Session, col, select

from scholarlink.domain.cycles import next_deadline as _next
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import Scholarship

_PARSED: dict[tuple[str, str], CatalogueEntry] = {}


def _version(slug: str, catalogue_version: object, updated_at: object) -> tuple[str, str]:
    """What a parsed entry is kept under: the programme and the version of its row."""
    return slug, f"{catalogue_version}:{updated_at}"


def entry_of(row: Scholarship) -> CatalogueEntry | None:
    """The verified catalogue entry of a row (parsed once per catalogue version)."""
    if not row.entry:
        return None
    key = _version(row.slug, row.catalogue_version, row.updated_at)
    found = _PARSED.get(key)
    if found is None:
        found = CatalogueEntry.model_validate(row.entry)
        if len(_PARSED) > 8192:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def entries_of(session: Session, ids: Sequence[int]) -> dict[int, CatalogueEntry | None]:
    """The verified catalogue entries of these programmes, by id (None for one without an
    entry). A programme's entry is a large JSON document: it is read only when its version has
    not been parsed yet; otherwise one small read of the programmes' versions is all."""
    if not ids:
        return {}
    versions = session.exec(
        select(
            Scholarship.id, Scholarship.slug, Scholarship.catalogue_version, Scholarship.updated_at
        ).where(col(Scholarship.id).in_(list(ids)))
    ).all()
    out: dict[int, CatalogueEntry | None] = {}
    unparsed: list[int] = []
    for sid, slug, version, updated_at in versions:
        found = _PARSED.get(_version(slug, version, updated_at))
        if found is None:
            unparsed.append(sid or 0)
        else:
            out[sid or 0] = found
    if unparsed:
        for row in session.exec(select(Scholarship).where(col(Scholarship.id).in_(unparsed))):
            out[row.id or 0] = entry_of(row)
    return out


def next_deadline(row: Scholarship, today: date) -> date | None:
    """The programme's next fixed deadline (today included), for anyone; None when its dates
    are rolling or vary."""
    entry = entry_of(row)
    return next_deadline_of(entry, today) if entry else None


def next_deadline_of(entry: CatalogueEntry, today: date) -> date | None:
    """An entry's next fixed deadline (today included); None when its dates are rolling or
    vary."""
    return _next(entry.cycles, today)


def deadline_kind(row: Scholarship) -> str:
    entry = entry_of(row)
    if entry is None or not entry.cycles:
        return "varies"
    kinds = {c.kind for c in entry.cycles}
    return "fixed" if "fixed" in kinds else "rolling" if "rolling" in kinds else "varies"


def days_until(when: date | None, today: date) -> int | None:
    return None if when is None else (when - today).days
