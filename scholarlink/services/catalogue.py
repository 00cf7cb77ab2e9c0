"""The scholarship catalogue: validated loading, search and lookup."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, func, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import read_use_case, session_scope, use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.domain.cycles import upcoming_cycles
from scholarlink.domain.rules import (
    CatalogueEntry,
    CitizenshipRule,
    DemographicsRule,
    FieldOfStudyRule,
    GpaRule,
    LevelRule,
    NeedRule,
    ResidenceStateRule,
)
from scholarlink.models import CatalogueReport, Scholarship
from scholarlink.models.base import MAX_DB_INT
from scholarlink.services import credibility, local
from scholarlink.services.deadlines import deadline_kind, entry_of, next_deadline
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    FIELD_FAMILIES,
    MAJOR_FIELDS,
    US_STATES,
)

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "catalogue"
CATALOGUE_FORMAT = 2

# Fields of study in the rule language (CIP 2020) → the coarse fields of the search filter.
_CIP_TO_FIELD: tuple[tuple[str, str], ...] = (
    ("11.1003", "cybersecurity"), ("51.38", "nursing"), ("51.12", "medicine"),
    ("52.03", "accounting"), ("45.06", "economics"), ("45.09", "international_affairs"),
    ("49.01", "aviation"), ("50.09", "music"), ("09", "journalism"), ("01", "agriculture"),
    ("03", "environment"), ("11", "computer_science"), ("13", "education"), ("14", "engineering"),
    ("15", "engineering"), ("16", "foreign_languages"), ("22", "law"), ("23", "humanities"),
    ("26", "life_sciences"), ("27", "mathematics"), ("38", "humanities"), ("40", "physical_sciences"),
    ("42", "social_sciences"), ("43", "public_service"), ("44", "public_service"),
    ("45", "social_sciences"), ("50", "arts"), ("51", "health"), ("52", "business"),
    ("54", "humanities"),
)  # fmt: skip


class CatalogueFileError(ValidationFailed):
    """A catalogue that cannot be loaded; `problems` lists `file:line: message`."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__(
            f"{len(problems)} problem(s) in the catalogue:\n" + "\n".join(problems),
            details=problems,
        )
        self.problems = problems


@dataclass
class ParsedCatalogue:
    version: str
    entries: list[CatalogueEntry]


def catalogue_files(path: Path) -> list[Path]:
    return sorted(path.glob("*.json")) if path.is_dir() else [path]


def parse_catalogue(path: Path) -> ParsedCatalogue:
    """Read and validate a whole catalogue (a directory of format-2 files, or one file); every
    malformed entry is reported with its file and line, and nothing is returned unless all hold."""
    problems: list[str] = []
    entries: list[CatalogueEntry] = []
    seen: dict[str, str] = {}
    digest = hashlib.sha256()
    files = catalogue_files(path)
    if not files:
        raise CatalogueFileError([f"{path}: no catalogue files"])
    for file in files:
        text = file.read_text(encoding="utf-8")
        digest.update(text.encode())
        try:
            document = json.loads(text)
        except json.JSONDecodeError as exc:
            problems.append(f"{file}:{exc.lineno}: invalid JSON: {exc.msg}")
            continue
        if (
            not isinstance(document, dict)
            or document.get("format") != CATALOGUE_FORMAT
            or not isinstance(document.get("entries"), list)
        ):
            problems.append(f'{file}:1: expected {{"format": 2, "entries": [...]}}')
            continue
        lines = _element_lines(text, "entries")
        for index, raw in enumerate(document["entries"]):
            line = lines[index] if index < len(lines) else 0
            try:
                entry = CatalogueEntry.model_validate(raw)
            except ValidationError as exc:
                for err in exc.errors():
                    where = ".".join(str(p) for p in err["loc"]) or "entry"
                    problems.append(f"{file}:{line}: {where}: {err['msg']}")
                continue
            here = f"{file.name}:{line}"
            if entry.slug in seen:
                problems.append(f"{file}:{line}: slug {entry.slug!r} repeats {seen[entry.slug]}")
                continue
            seen[entry.slug] = here
            entries.append(entry)
    if problems:
        raise CatalogueFileError(problems)
    return ParsedCatalogue(version=f"{CATALOGUE_FORMAT}:{digest.hexdigest()[:12]}", entries=entries)


def _element_lines(text: str, key_name: str) -> list[int]:
    """Line numbers at which each element of the top-level array `key_name` starts."""
    decoder = json.JSONDecoder()
    key = text.find(f'"{key_name}"')
    start = text.find("[", key) + 1 if key >= 0 else 0
    lines: list[int] = []
    pos = start
    while 0 < pos < len(text):
        while pos < len(text) and text[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(text) or text[pos] == "]":
            break
        lines.append(text.count("\n", 0, pos) + 1)
        try:
            _, pos = decoder.raw_decode(text, pos)
        except json.JSONDecodeError:
            break
    return lines


@dataclass
class LoadReport:
    version: str
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deactivated: int = 0
    slugs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.inserted or self.updated or self.deactivated)


def _fields_of(codes: Iterable[str]) -> list[str]:
    found = []
    for code in codes:
        for prefix, name in _CIP_TO_FIELD:
            if code.startswith(prefix):
                found.append(name)
                break
    return sorted(set(found))


def row_values(entry: CatalogueEntry) -> dict[str, Any]:
    """The Scholarship columns of an entry: the entry itself, and what search filters on."""
    top = list(entry.rules)
    levels = sorted({lv for r in top if isinstance(r, LevelRule) for lv in r.levels})
    gpas = [r.min * 4.0 / r.scale for r in top if isinstance(r, GpaRule) and r.hard]
    fixed = [c for c in entry.cycles if c.kind == "fixed" and c.deadline is not None]
    latest = max(fixed, key=lambda c: c.deadline or date.min).deadline if fixed else None
    return {
        "slug": entry.slug,
        "name": entry.name,
        "provider": entry.provider,
        "description": entry.description,
        "url": entry.url,
        "amount_min": entry.amount.min if entry.amount.min is not None else entry.amount.max,
        "amount_max": entry.amount.max if entry.amount.max is not None else entry.amount.min,
        "deadline_month": latest.month if latest else None,
        "deadline_day": latest.day if latest else None,
        "levels": levels,
        "min_gpa": round(min(gpas), 2) if gpas else None,
        "majors": _fields_of(c for r in top if isinstance(r, FieldOfStudyRule) for c in r.cip),
        "states": sorted({s for r in top if isinstance(r, ResidenceStateRule) for s in r.states}),
        "citizenship": sorted(
            {c for r in top if isinstance(r, CitizenshipRule) for c in r.allowed}
        ),
        "demographics": sorted(
            {d for r in top if isinstance(r, DemographicsRule) for d in r.any_of}
        ),
        "interests": [],
        "financial_need": any(isinstance(r, NeedRule) for r in top),
        "essay_required": bool(entry.effort.essay),
        "renewable": bool(entry.renewable),
        "awards_per_year": entry.awards_per_year,
        "applicants_per_year": entry.applicants_per_year,
        "kind": entry.kind,
        "verified_on": entry.verified_on,
        "entry": entry.model_dump(mode="json"),
        "is_active": entry.status == "active",
    }


def load_catalogue(
    session: Session, entries: Sequence[CatalogueEntry], *, version: str, source: str = "catalogue"
) -> LoadReport:
    """Upsert by slug; entries of the same source missing from the catalogue, or marked inactive,
    are deactivated, never deleted (applications may reference them). The caller owns the
    transaction: a load is all or nothing."""
    report = LoadReport(version=version)
    existing = {
        s.slug: s for s in session.exec(select(Scholarship).where(Scholarship.source == source))
    }
    now = utcnow()
    for entry in entries:
        data = row_values(entry)
        row = existing.pop(entry.slug, None)
        if row is None:
            session.add(
                Scholarship(
                    **data, source=source, catalogue_version=version, created_at=now, updated_at=now
                )
            )
            report.inserted += 1
            continue
        changes = {k: v for k, v in data.items() if getattr(row, k) != v}
        if changes:
            for k, v in changes.items():
                setattr(row, k, v)
            row.catalogue_version = version
            row.updated_at = now
            session.add(row)
            if changes.get("is_active") is False:
                report.deactivated += 1
            else:
                report.updated += 1
        else:
            report.unchanged += 1
    for row in existing.values():
        if row.is_active:
            row.is_active = False
            row.updated_at = now
            session.add(row)
            report.deactivated += 1
    session.flush()
    return report


# --- search ---------------------------------------------------------------------------------

SortKey = Literal["deadline", "amount", "name"]


class ScholarshipFilters(BaseModel):
    model_config = ConfigDict(extra="forbid")

    q: str | None = Field(default=None, max_length=200)
    level: str | None = None
    state: str | None = None
    major: str | None = None
    gpa: float | None = Field(default=None, ge=0, le=5)
    min_amount: int | None = Field(default=None, ge=0)
    max_amount: int | None = Field(default=None, ge=0)
    deadline_within_days: int | None = Field(default=None, ge=0, le=366)
    essay: bool | None = None
    kind: Literal["private", "state", "federal", "institutional", "military"] | None = None
    sort: SortKey = "deadline"
    page: int = Field(default=1, ge=1, le=100_000)
    page_size: int = Field(default=20, ge=1, le=100)

    @field_validator("level")
    @classmethod
    def _level(cls, v: str | None) -> str | None:
        if v is not None and v not in ACADEMIC_LEVELS:
            raise ValueError(f"unknown level; one of {', '.join(ACADEMIC_LEVELS)}")
        return v

    @field_validator("state")
    @classmethod
    def _state(cls, v: str | None) -> str | None:
        if v is not None and v.upper() not in US_STATES:
            raise ValueError("unknown US state code")
        return v.upper() if v else v

    @field_validator("major")
    @classmethod
    def _major(cls, v: str | None) -> str | None:
        if v is not None and v not in MAJOR_FIELDS:
            raise ValueError(f"unknown major field; one of {', '.join(MAJOR_FIELDS)}")
        return v


@dataclass
class Page:
    items: list[Scholarship]
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _md_expr() -> Any:
    return col(Scholarship.deadline_month) * 100 + col(Scholarship.deadline_day)


def _json_contains_any(column: Any, values: Iterable[str], dialect: str) -> Any:
    """An empty list means 'open to all'; otherwise the list must contain one of `values`."""
    values = list(values)
    if dialect == "postgresql":
        as_jsonb = sa.cast(column, postgresql.JSONB)
        return sa.or_(
            sa.func.jsonb_array_length(as_jsonb) == 0,
            as_jsonb.op("?|")(postgresql.array(values, type_=sa.Text)),
        )
    conditions = [sa.func.json_array_length(column) == 0]
    for value in values:
        conditions.append(
            sa.exists(
                sa.select(1)
                .select_from(sa.func.json_each(column))
                .where(sa.column("value") == value)
            )
        )
    return sa.or_(*conditions)


def search_scholarships(session: Session, filters: ScholarshipFilters, *, today: date) -> Page:
    dialect = session.get_bind().dialect.name
    query = select(Scholarship).where(Scholarship.is_active, Scholarship.source == "catalogue")
    if filters.q:
        like = f"%{filters.q.lower()}%"
        query = query.where(
            sa.or_(
                func.lower(Scholarship.name).like(like),
                func.lower(Scholarship.provider).like(like),
                func.lower(Scholarship.description).like(like),
            )
        )
    if filters.level:
        query = query.where(_json_contains_any(Scholarship.levels, [filters.level], dialect))
    if filters.state:
        query = query.where(_json_contains_any(Scholarship.states, [filters.state], dialect))
    if filters.major:
        family = [f for f, members in FIELD_FAMILIES.items() if filters.major in members]
        query = query.where(
            _json_contains_any(Scholarship.majors, [filters.major, *family], dialect)
        )
    if filters.gpa is not None:
        query = query.where(
            sa.or_(col(Scholarship.min_gpa).is_(None), col(Scholarship.min_gpa) <= filters.gpa)
        )
    if filters.min_amount is not None:
        query = query.where(col(Scholarship.amount_max) >= filters.min_amount)
    if filters.max_amount is not None:
        query = query.where(col(Scholarship.amount_min) <= filters.max_amount)
    if filters.essay is not None:
        query = query.where(Scholarship.essay_required == filters.essay)
    if filters.kind is not None:
        query = query.where(Scholarship.kind == filters.kind)
    today_key = today.month * 100 + today.day
    md = _md_expr()
    if filters.deadline_within_days is not None:
        end = date.fromordinal(today.toordinal() + filters.deadline_within_days)
        end_key = end.month * 100 + end.day
        if filters.deadline_within_days >= 365:
            pass
        elif end.year == today.year:
            query = query.where(md >= today_key, md <= end_key)
        else:
            query = query.where(sa.or_(md >= today_key, md <= end_key))
    total = session.exec(select(func.count()).select_from(query.subquery())).one()
    if filters.sort == "amount":
        order: list[Any] = [
            sa.case((col(Scholarship.amount_max).is_(None), 1), else_=0),
            col(Scholarship.amount_max).desc(),
            col(Scholarship.name),
        ]
    elif filters.sort == "name":
        order = [col(Scholarship.name)]
    else:
        # Upcoming dates first (this year's, then next year's); rolling and varying ones last.
        order = [
            sa.case((md.is_(None), 2), (md >= today_key, 0), else_=1),
            md,
            col(Scholarship.name),
        ]
    items = session.exec(
        query.order_by(*order)
        .offset((filters.page - 1) * filters.page_size)
        .limit(filters.page_size)
    ).all()
    return Page(items=list(items), total=total, page=filters.page, page_size=filters.page_size)


def get_scholarship(
    session: Session, scholarship_id: int, *, viewer_id: int | None = None
) -> Scholarship | None:
    """A catalogue programme; one the viewer added themselves (own finds are theirs only); or a
    local one of an organisation the viewer belongs to (services.local)."""
    row = session.get(Scholarship, scholarship_id)
    if row is None:
        return None
    if row.source == "catalogue":
        return row
    if row.source == "student" and viewer_id is not None and row.owner_user_id == viewer_id:
        return row
    if row.source == "local" and local.may_see(session, row, viewer_id):
        return row
    return None


# --- what pages and the HTTP API read -----------------------------------------------------


class CycleOut(BaseModel):
    """A cycle of a programme for anyone (the class it is for, where dates were projected)."""

    model_config = ConfigDict(frozen=True)

    opens: date | None
    deadline: date | None
    kind: str
    forGraduationYear: int | None
    readFor: str | None
    note: str | None


class SourceOut(BaseModel):
    model_config = ConfigDict(frozen=True)

    url: str
    publisher: str | None
    date: str | None


class ScholarshipOut(BaseModel):
    """One programme as the catalogue API and the scholarship pages show it."""

    model_config = ConfigDict(frozen=True)

    id: int
    slug: str
    name: str
    provider: str
    kind: str
    description: str
    url: str
    source_url: str
    sources: list[SourceOut]
    verified_on: date | None
    amount_min: int | None
    amount_max: int | None
    amount_period: str
    deadline: date | None
    deadline_kind: str
    cycles: list[CycleOut]
    rules: list[dict[str, Any]]
    levels: list[str]
    min_gpa: float | None
    majors: list[str]
    states: list[str]
    citizenship: list[str]
    demographics: list[str]
    interests: list[str]
    financial_need: bool
    essay_required: bool
    renewable: bool
    awards_per_year: int | None
    applicants_per_year: int | None

    @classmethod
    def of(cls, row: Scholarship, today: date) -> ScholarshipOut:
        data: dict[str, Any] = row.model_dump(exclude={"entry"})
        entry = entry_of(row)
        data["deadline"] = next_deadline(row, today)
        data["deadline_kind"] = deadline_kind(row)
        data["cycles"] = upcoming_cycles(entry.cycles, list(entry.rules), today) if entry else []
        data["rules"] = row.entry.get("rules", [])
        data["sources"] = row.entry.get("sources", [])
        data["source_url"] = data["sources"][0]["url"] if data["sources"] else row.url
        data["amount_period"] = (row.entry.get("amount") or {}).get("period", "varies")
        return cls.model_validate(data)


class ScholarshipPage(BaseModel):
    model_config = ConfigDict(frozen=True)

    items: list[ScholarshipOut]
    total: int
    page: int
    page_size: int
    pages: int


@read_use_case
def search(session: Session, *, filters: ScholarshipFilters, today: date) -> ScholarshipPage:
    """One page of catalogue programmes that pass the filters."""
    found = search_scholarships(session, filters, today=today)
    return ScholarshipPage(
        items=[ScholarshipOut.of(s, today) for s in found.items],
        total=found.total,
        page=found.page,
        page_size=found.page_size,
        pages=found.pages,
    )


def visible_scholarship(
    session: Session, scholarship_id: int, viewer_id: int | None
) -> Scholarship:
    """The programme `scholarship_id` if the viewer may see it and it is active (NotFound
    otherwise): see `get_scholarship`."""
    row = (
        get_scholarship(session, scholarship_id, viewer_id=viewer_id)
        if 0 < scholarship_id <= MAX_DB_INT
        else None
    )
    if row is None or not row.is_active:
        raise NotFound("No such scholarship")
    return row


@read_use_case
def scholarship(session: Session, *, scholarship_id: int, today: date) -> ScholarshipOut:
    """An active catalogue programme (NotFound otherwise)."""
    return ScholarshipOut.of(visible_scholarship(session, scholarship_id, None), today)


class CredibilityPublic(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    level: Literal["trusted", "caution", "warning"]
    signals: list[str]
    red_flags: list[str]


# Facts verified longer ago than this are flagged for the student to check on the official page.
STALE_AFTER_DAYS = 15 * 30


class ScholarshipDetailPublic(BaseModel):
    """A scholarship page: the programme, how credible it looks, and when its facts were last
    verified against the sources (None for a programme without a verified entry)."""

    model_config = ConfigDict(frozen=True)

    scholarship: ScholarshipOut
    credibility: CredibilityPublic
    verified_on: date | None
    stale: bool


@read_use_case
def scholarship_detail(
    session: Session, *, scholarship_id: int, viewer_id: int | None, today: date
) -> ScholarshipDetailPublic:
    """A programme the viewer may see (the catalogue's, their own finds, their organisations'
    local ones) and is active; NotFound otherwise."""
    return detail_of(visible_scholarship(session, scholarship_id, viewer_id), today)


def detail_of(row: Scholarship, today: date) -> ScholarshipDetailPublic:
    """A scholarship page's programme part, of a row the viewer may see."""
    entry = entry_of(row)
    verified = entry.verified_on if entry is not None else None
    return ScholarshipDetailPublic(
        scholarship=ScholarshipOut.of(row, today),
        credibility=CredibilityPublic.model_validate(credibility.assess(row)),
        verified_on=verified,
        stale=verified is not None and (today - verified).days > STALE_AFTER_DAYS,
    )


# --- reports from students ------------------------------------------------------------------

REPORT_KINDS = {
    "deadline": "The deadline is wrong",
    "amount": "The amount is wrong",
    "eligibility": "Who can apply is wrong",
    "defunct": "The programme no longer exists",
    "link": "The link is broken or wrong",
    "other": "Something else",
}


@use_case
def report_problem(
    session: Session,
    *,
    user_id: int | None,
    scholarship_id: int,
    what: str,
    message: str,
    correct_value: str | None = None,
    link: str | None = None,
) -> None:
    """Store a student's report for an operator; the catalogue itself never changes from it."""
    problems = []
    if what not in REPORT_KINDS:
        problems.append({"field": "what", "message": "choose one of the listed problems"})
    message = message.strip()
    if not 5 <= len(message) <= 2000:
        problems.append({"field": "message", "message": "5–2000 characters"})
    if correct_value is not None and len(correct_value) > 500:
        problems.append({"field": "correct_value", "message": "at most 500 characters"})
    if link is not None and (len(link) > 1000 or not link.startswith(("http://", "https://"))):
        problems.append({"field": "link", "message": "an http(s) link"})
    if any(
        ord(c) < 0x20 and c not in "\n\t" for c in message + (correct_value or "") + (link or "")
    ):
        problems.append({"field": "message", "message": "no control characters"})
    if problems:
        raise ValidationFailed("The report is not complete", details=problems)
    row = get_scholarship(session, scholarship_id) if 0 < scholarship_id <= MAX_DB_INT else None
    if row is None:
        raise NotFound("No such scholarship")
    session.add(
        CatalogueReport(
            scholarship_id=scholarship_id,
            user_id=user_id,
            what=what,
            message=message,
            correct_value=correct_value,
            link=link,
        )
    )
    session.flush()


def list_reports(*, status: str = "open") -> list[tuple[CatalogueReport, str]]:
    with session_scope() as session:
        rows = session.exec(
            select(CatalogueReport, Scholarship.slug)
            .join(Scholarship, col(Scholarship.id) == CatalogueReport.scholarship_id)
            .where(CatalogueReport.status == status)
            .order_by(col(CatalogueReport.id))
        ).all()
        return [(r, slug) for r, slug in rows]
