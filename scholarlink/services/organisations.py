"""Schools and community foundations: counsellors, the students who join with a code (and what
they let counsellors see), and local scholarships posted by import.

Local scholarships are catalogue entries in the same rule language (domain.rules) and pass the
same credibility check; an import is checked line by line and can be tried as a dry run that says
what would be added, changed or refused before anything is written.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from types import SimpleNamespace
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError
from sqlmodel import Session, col, select

from scholarlink.core import clock
from scholarlink.core.clock import utcnow
from scholarlink.core.db import use_case
from scholarlink.core.errors import Conflict, NotFound, ValidationFailed
from scholarlink.domain.engine import match_all
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import (
    AccessLog,
    Application,
    Organisation,
    OrganisationMember,
    OrganisationStudent,
    Scholarship,
    User,
)
from scholarlink.services import credibility
from scholarlink.services.catalogue import row_values
from scholarlink.services.matches import student_profile
from scholarlink.services.vocabulary import US_STATES

KINDS = {"school": "School", "foundation": "Community foundation"}
AUDIENCES = {"members": "Our students only", "area": "Our students and students in our state"}
CSV_COLUMNS = (
    "slug",
    "name",
    "url",
    "amount",
    "deadline",
    "levels",
    "min_gpa",
    "states",
    "description",
)
MAX_IMPORT_BYTES = 512 * 1024


def _hash(code: str) -> str:
    return hashlib.sha256(code.strip().upper().encode()).hexdigest()


def _new_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a classroom
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


# -- organisations and counsellors ------------------------------------------------------------


@use_case
def create(
    session: Session, *, user_id: int, name: str, kind: str, area_state: str | None
) -> tuple[int, str]:
    """Create an organisation with the user as its first counsellor; returns (id, join code).
    The code is shown once: only its hash is kept (rotate it to get a new one)."""
    problems = []
    name = " ".join(name.split())
    if not 3 <= len(name) <= 200:
        problems.append({"field": "name", "message": "3–200 characters"})
    if kind not in KINDS:
        problems.append({"field": "kind", "message": "school or foundation"})
    state = (area_state or "").strip().upper() or None
    if state is not None and state not in US_STATES:
        problems.append({"field": "area_state", "message": "a US state code such as TX"})
    if problems:
        raise ValidationFailed("Check the highlighted fields", details=problems)
    code = _new_code()
    org = Organisation(name=name, kind=kind, area_state=state, join_code_hash=_hash(code))
    session.add(org)
    session.flush()
    session.add(OrganisationMember(organisation_id=org.id or 0, user_id=user_id))
    session.flush()
    return org.id or 0, code


def _counsellor_of(session: Session, counsellor_id: int, org_id: int) -> Organisation:
    member = session.get(OrganisationMember, (org_id, counsellor_id))
    org = session.get(Organisation, org_id) if member is not None else None
    if org is None:
        raise NotFound("No such organisation")
    return org


@use_case
def rotate_code(session: Session, *, counsellor_id: int, org_id: int) -> str:
    org = _counsellor_of(session, counsellor_id, org_id)
    code = _new_code()
    org.join_code_hash = _hash(code)
    session.add(org)
    return code


def my_organisations(session: Session, *, user_id: int) -> list[Organisation]:
    return list(
        session.exec(
            select(Organisation)
            .join(OrganisationMember, col(OrganisationMember.organisation_id) == Organisation.id)
            .where(OrganisationMember.user_id == user_id)
            .order_by(col(Organisation.id))
        )
    )


# -- students ---------------------------------------------------------------------------------


@use_case
def join(
    session: Session, *, student_id: int, code: str, share_tracker: bool, share_matches: bool
) -> str:
    """Join the organisation a code names; returns its name. Joining again updates the consent."""
    if not code or len(code) > 40:
        raise NotFound("No organisation has this code")
    org = session.exec(
        select(Organisation).where(Organisation.join_code_hash == _hash(code))
    ).first()
    if org is None or org.id is None:
        raise NotFound("No organisation has this code")
    row = session.get(OrganisationStudent, (org.id, student_id)) or OrganisationStudent(
        organisation_id=org.id, student_id=student_id
    )
    row.share_tracker, row.share_matches, row.left_at = share_tracker, share_matches, None
    session.add(row)
    session.flush()
    return org.name


@use_case
def set_consent(
    session: Session, *, student_id: int, org_id: int, share_tracker: bool, share_matches: bool
) -> None:
    row = session.get(OrganisationStudent, (org_id, student_id))
    if row is None or row.left_at is not None:
        raise NotFound("You are not a member of this organisation")
    row.share_tracker, row.share_matches = share_tracker, share_matches
    session.add(row)


@use_case
def leave(session: Session, *, student_id: int, org_id: int) -> None:
    row = session.get(OrganisationStudent, (org_id, student_id))
    if row is None or row.left_at is not None:
        raise NotFound("You are not a member of this organisation")
    row.left_at, row.share_tracker, row.share_matches = utcnow(), False, False
    session.add(row)


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class Membership(_Frozen):
    org_id: int
    name: str
    share_tracker: bool
    share_matches: bool


@use_case
def memberships(session: Session, *, student_id: int) -> list[Membership]:
    rows = session.exec(
        select(OrganisationStudent, Organisation)
        .join(Organisation, col(Organisation.id) == OrganisationStudent.organisation_id)
        .where(
            OrganisationStudent.student_id == student_id, col(OrganisationStudent.left_at).is_(None)
        )
    ).all()
    return [
        Membership(
            org_id=o.id or 0,
            name=o.name,
            share_tracker=m.share_tracker,
            share_matches=m.share_matches,
        )
        for m, o in rows
    ]


def _members(session: Session, org_id: int) -> list[tuple[OrganisationStudent, User]]:
    return list(
        session.exec(
            select(OrganisationStudent, User)
            .join(User, col(User.id) == OrganisationStudent.student_id)
            .where(
                OrganisationStudent.organisation_id == org_id,
                col(OrganisationStudent.left_at).is_(None),
                User.is_active,
            )
            .order_by(col(User.display_name))
        )
    )


class StudentProgress(_Frozen):
    name: str
    tracker: str  # "3 tracked · 1 submitted · 0 won", or "not shared"


def students(session: Session, *, counsellor_id: int, org_id: int) -> list[StudentProgress]:
    """The organisation's students, with their progress where they consented (logged)."""
    org = _counsellor_of(session, counsellor_id, org_id)
    counsellor = session.get(User, counsellor_id)
    out = []
    for member, user in _members(session, org_id):
        tracker = "not shared"
        if member.share_tracker:
            apps = session.exec(select(Application).where(Application.user_id == user.id)).all()
            done = sum(a.status in ("submitted", "under_review", "accepted") for a in apps)
            won = sum(a.status == "accepted" for a in apps)
            tracker = f"{len(apps)} tracked · {done} submitted · {won} won"
            session.add(
                AccessLog(
                    student_id=user.id or 0,
                    viewer_id=counsellor_id,
                    viewer_name=f"{counsellor.display_name if counsellor else ''} ({org.name})",
                    what="progress (organisation)",
                )
            )
        out.append(StudentProgress(name=user.display_name or "Student", tracker=tracker))
    return out


# -- local scholarships -----------------------------------------------------------------------


@dataclass
class ImportReport:
    added: list[tuple[int, str]] = field(default_factory=list)
    changed: list[tuple[int, str]] = field(default_factory=list)
    unchanged: list[tuple[int, str]] = field(default_factory=list)
    refused: list[tuple[int, str]] = field(default_factory=list)
    applied: bool = False


def _csv_entry(row: dict[str, str], org: Organisation, today: date) -> dict[str, Any]:
    def cell(name: str) -> str:
        return (row.get(name) or "").strip()

    rules: list[dict[str, Any]] = []
    if cell("levels"):
        rules.append({"type": "level", "levels": [v.strip() for v in cell("levels").split(";")]})
    if cell("min_gpa"):
        rules.append({"type": "gpa", "min": float(cell("min_gpa"))})
    if cell("states"):
        rules.append(
            {"type": "residence_state", "states": [v.strip() for v in cell("states").split(";")]}
        )
    amount = int(cell("amount").replace(",", "").replace("$", "")) if cell("amount") else None
    deadline = cell("deadline")
    return {
        "slug": cell("slug"),
        "name": cell("name"),
        "provider": org.name,
        "kind": "private",
        "status": "active",
        "url": cell("url"),
        "verified_on": today.isoformat(),
        "sources": [{"url": cell("url"), "publisher": org.name}],
        "amount": {"min": amount, "max": amount, "period": "one_time"} if amount else {},
        "cycles": [
            {"read_for": str(today.year), "deadline": deadline, "kind": "fixed"}
            if deadline
            else {"read_for": str(today.year), "kind": "varies"}
        ],
        "rules": rules,
        "description": cell("description"),
    }


def _json_items(text: str) -> list[tuple[int, Any]]:
    """Each element of the import's array with the line it starts on."""
    data = json.loads(text)
    items = data.get("entries") if isinstance(data, dict) else data
    if not isinstance(items, list):
        raise ValueError('expected a JSON array of entries (or {"entries": [...]})')
    decoder = json.JSONDecoder()
    pos = text.find("[", text.find('"entries"') if isinstance(data, dict) else 0) + 1
    lines: list[int] = []
    while pos < len(text) and len(lines) < len(items):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        lines.append(text.count("\n", 0, pos) + 1)
        _, pos = decoder.raw_decode(text, pos)
    return list(zip(lines, items, strict=False))


def _parse(
    text: str, fmt: str, org: Organisation, today: date
) -> tuple[list[tuple[int, CatalogueEntry]], list[tuple[int, str]]]:
    refused: list[tuple[int, str]] = []
    raw: list[tuple[int, Any]] = []
    if fmt == "csv":
        reader = csv.DictReader(io.StringIO(text))
        missing = [
            c for c in ("slug", "name", "url", "description") if c not in (reader.fieldnames or [])
        ]
        if missing:
            return [], [(1, "the header row needs the columns " + ", ".join(missing))]
        for row in reader:
            try:
                raw.append((reader.line_num, _csv_entry(row, org, today)))
            except ValueError as exc:
                refused.append((reader.line_num, f"not a number: {exc}"))
    elif fmt == "json":
        try:
            raw = _json_items(text)
        except (ValueError, json.JSONDecodeError) as exc:
            return [], [(getattr(exc, "lineno", 1), f"invalid JSON: {exc}")]
        for i, (line, item) in enumerate(raw):
            if isinstance(item, dict):
                item.setdefault("provider", org.name)
                item.setdefault("verified_on", today.isoformat())
                item.setdefault("status", "active")
                item.setdefault("kind", "private")
            raw[i] = (line, item)
    else:
        raise ValidationFailed("Import CSV or JSON")
    entries: list[tuple[int, CatalogueEntry]] = []
    seen: set[str] = set()
    for line, item in raw:
        try:
            entry = CatalogueEntry.model_validate(item)
        except ValidationError as exc:
            err = exc.errors()[0]
            where = ".".join(str(p) for p in err["loc"]) or "entry"
            refused.append((line, f"{where}: {err['msg']}"))
            continue
        if entry.slug in seen:
            refused.append((line, f"slug {entry.slug!r} appears twice"))
            continue
        seen.add(entry.slug)
        check = credibility.assess(
            SimpleNamespace(
                name=entry.name,
                description=entry.description,
                url=entry.url,
                source="local",
                awards_per_year=entry.awards_per_year,
            )
        )
        if check.level == "warning":
            refused.append((line, "fails the credibility check: " + "; ".join(check.red_flags)))
            continue
        entries.append((line, entry))
    return entries, refused


@use_case
def import_local(
    session: Session,
    *,
    counsellor_id: int,
    org_id: int,
    text: str,
    fmt: str,
    audience: str,
    apply: bool,
    today: date,
) -> ImportReport:
    """Check an import and say, line by line, what it would add, change or refuse; with `apply`,
    write the additions and changes (refused lines never are). Local slugs are per organisation."""
    org = _counsellor_of(session, counsellor_id, org_id)
    if audience not in AUDIENCES:
        raise ValidationFailed("Choose who may see these scholarships")
    if audience == "area" and not org.area_state:
        raise ValidationFailed("Set your organisation's state to show scholarships in its area")
    if not text.strip() or len(text.encode()) > MAX_IMPORT_BYTES:
        raise ValidationFailed("Paste or upload up to 512 KB of CSV or JSON")
    entries, refused = _parse(text, fmt, org, today)
    report = ImportReport(refused=refused, applied=apply)
    prefix = f"org{org_id}-"
    existing = {
        s.slug: s
        for s in session.exec(select(Scholarship).where(Scholarship.organisation_id == org_id))
    }
    now = utcnow()
    for line, entry in entries:
        slug = prefix + entry.slug
        stored = entry.model_copy(update={"slug": slug[:120]})
        values = {**row_values(stored), "audience": audience}
        row = existing.get(slug)
        if row is None:
            report.added.append((line, entry.name))
            if apply:
                session.add(
                    Scholarship(
                        **values,
                        source="local",
                        organisation_id=org_id,
                        catalogue_version=f"org{org_id}",
                        created_at=now,
                        updated_at=now,
                    )
                )
            continue
        changes = {k: v for k, v in values.items() if getattr(row, k) != v}
        if not changes:
            report.unchanged.append((line, entry.name))
            continue
        report.changed.append((line, entry.name))
        if apply:
            for k, v in changes.items():
                setattr(row, k, v)
            row.updated_at = now
            session.add(row)
    if apply:
        session.flush()
    return report


class LocalScholarship(_Frozen):
    """One of the organisation's own scholarships, with the students it matches."""

    id: int
    name: str
    audience: str
    matched: str
    possible: str


def local_scholarships(
    session: Session, *, counsellor_id: int, org_id: int
) -> list[LocalScholarship]:
    """The organisation's scholarships, each with which of its students (who share their
    matches) it matches, or may match."""
    _counsellor_of(session, counsellor_id, org_id)
    rows = session.exec(
        select(Scholarship)
        .where(Scholarship.organisation_id == org_id, Scholarship.is_active)
        .order_by(col(Scholarship.name))
    ).all()
    entries = [(r.id or 0, CatalogueEntry.model_validate(r.entry)) for r in rows]
    matched: dict[int, list[str]] = {r.id or 0: [] for r in rows}
    possible: dict[int, list[str]] = {r.id or 0: [] for r in rows}
    for member, user in _members(session, org_id):
        if not member.share_matches or user.id is None:
            continue
        result = match_all(entries, student_profile(session, user.id), clock.today())
        for j in result.matches:
            matched[int(j.key)].append(user.display_name)
        for j in result.possible:
            possible[int(j.key)].append(user.display_name)
    return [
        LocalScholarship(
            id=r.id or 0,
            name=r.name,
            audience=AUDIENCES.get(r.audience or "members", ""),
            matched=", ".join(matched[r.id or 0]) or "none yet",
            possible=", ".join(possible[r.id or 0]) or "none",
        )
        for r in rows
    ]


class CounsellorOverview(_Frozen):
    """The counsellor's page: their (first) organisation, its students and scholarships."""

    org_id: int
    org_name: str
    students: list[StudentProgress]
    local: list[LocalScholarship]


@use_case
def counsellor_overview(session: Session, *, counsellor_id: int) -> CounsellorOverview | None:
    """None when the user runs no organisation."""
    mine = my_organisations(session, user_id=counsellor_id)
    if not mine:
        return None
    org_id = mine[0].id or 0
    return CounsellorOverview(
        org_id=org_id,
        org_name=mine[0].name,
        students=students(session, counsellor_id=counsellor_id, org_id=org_id),
        local=local_scholarships(session, counsellor_id=counsellor_id, org_id=org_id),
    )


@use_case
def remove_local(session: Session, *, counsellor_id: int, org_id: int, scholarship_id: int) -> None:
    _counsellor_of(session, counsellor_id, org_id)
    row = session.get(Scholarship, scholarship_id)
    if row is None or row.organisation_id != org_id:
        raise NotFound("No such scholarship")
    if not row.is_active:
        raise Conflict("Already removed")
    row.is_active, row.updated_at = False, utcnow()
    session.add(row)
