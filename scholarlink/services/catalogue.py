"""The scholarship catalogue: validated loading, search and lookup."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Annotated, Any, Literal

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sqlalchemy.dialects import postgresql
from sqlmodel import Session, col, func, select

from scholarlink.models import Scholarship, utcnow
from scholarlink.services.errors import ValidationFailed
from scholarlink.services.vocabulary import (
    ACADEMIC_LEVELS,
    CITIZENSHIP,
    DEMOGRAPHICS,
    FIELD_FAMILIES,
    INTERESTS,
    MAJOR_FIELDS,
    US_STATES,
)

DEFAULT_CATALOGUE = Path(__file__).resolve().parent.parent / "data" / "scholarships.json"
Slug = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,118}[a-z0-9]$")]


def _check_vocab(values: list[str], vocabulary: dict[str, str], what: str) -> list[str]:
    unknown = [v for v in values if v not in vocabulary]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)}")
    return values


class CatalogueEntry(BaseModel):
    """One scholarship as written in a catalogue file."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    slug: Slug
    name: str = Field(min_length=3, max_length=200)
    provider: str = Field(min_length=2, max_length=200)
    amount_min: int = Field(ge=0)
    amount_max: int = Field(ge=0)
    deadline_month: int = Field(ge=1, le=12)
    deadline_day: int = Field(ge=1, le=31)
    levels: list[str] = Field(min_length=1)
    min_gpa: float | None = Field(default=None, ge=0, le=5)
    majors: list[str] = Field(default_factory=list)
    states: list[str] = Field(default_factory=list)
    citizenship: list[str] = Field(default_factory=list)
    demographics: list[str] = Field(default_factory=list)
    financial_need: bool = False
    essay_required: bool = False
    renewable: bool = False
    awards_per_year: int | None = Field(default=None, ge=1)
    interests: list[str] = Field(default_factory=list)
    url: str = Field(pattern=r"^https?://", max_length=500)
    description: str = Field(default="", max_length=2000)

    @field_validator("levels")
    @classmethod
    def _levels(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, ACADEMIC_LEVELS, "level")

    @field_validator("majors")
    @classmethod
    def _majors(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, MAJOR_FIELDS, "major field")

    @field_validator("states")
    @classmethod
    def _states(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, US_STATES, "state")

    @field_validator("citizenship")
    @classmethod
    def _citizenship(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, CITIZENSHIP, "citizenship")

    @field_validator("demographics")
    @classmethod
    def _demographics(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, DEMOGRAPHICS, "demographic")

    @field_validator("interests")
    @classmethod
    def _interests(cls, v: list[str]) -> list[str]:
        return _check_vocab(v, INTERESTS, "interest")

    @model_validator(mode="after")
    def _consistent(self) -> CatalogueEntry:
        if self.amount_max < self.amount_min:
            raise ValueError("amount_max is below amount_min")
        try:
            date(2024, self.deadline_month, self.deadline_day)  # 2024: Feb 29 is allowed
        except ValueError as exc:
            raise ValueError(f"deadline {self.deadline_month}/{self.deadline_day}: {exc}") from None
        return self


class CatalogueFileError(ValidationFailed):
    """A catalogue file that cannot be loaded; `problems` lists `file:line: message`."""

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


def parse_catalogue(path: Path) -> ParsedCatalogue:
    """Read and validate a whole catalogue file; every malformed row is reported with its line."""
    text = path.read_text(encoding="utf-8")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise CatalogueFileError([f"{path}:{exc.lineno}: invalid JSON: {exc.msg}"]) from None
    if not isinstance(document, dict) or not isinstance(document.get("scholarships"), list):
        raise CatalogueFileError([f"{path}:1: expected an object with a 'scholarships' list"])
    version = str(document.get("version", ""))
    lines = _element_lines(text)
    problems: list[str] = []
    entries: list[CatalogueEntry] = []
    seen: dict[str, int] = {}
    for index, raw in enumerate(document["scholarships"]):
        line = lines[index] if index < len(lines) else 0
        try:
            entry = CatalogueEntry.model_validate(raw)
        except ValidationError as exc:
            for err in exc.errors():
                where = ".".join(str(p) for p in err["loc"]) or "entry"
                problems.append(f"{path}:{line}: {where}: {err['msg']}")
            continue
        if entry.slug in seen:
            problems.append(
                f"{path}:{line}: slug {entry.slug!r} repeats the entry on line {seen[entry.slug]}"
            )
            continue
        seen[entry.slug] = line
        entries.append(entry)
    if problems:
        raise CatalogueFileError(problems)
    return ParsedCatalogue(version=version, entries=entries)


def _element_lines(text: str) -> list[int]:
    """Line numbers at which each element of the top-level 'scholarships' array starts."""
    decoder = json.JSONDecoder()
    key = text.find('"scholarships"')
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


_ENTRY_FIELDS = tuple(CatalogueEntry.model_fields)


def load_catalogue(
    session: Session, entries: Sequence[CatalogueEntry], *, version: str, source: str = "catalogue"
) -> LoadReport:
    """Upsert by slug; entries of the same source missing from the file are deactivated, never
    deleted (applications may reference them). The caller owns the transaction."""
    report = LoadReport(version=version)
    existing = {
        s.slug: s for s in session.exec(select(Scholarship).where(Scholarship.source == source))
    }
    now = utcnow()
    for entry in entries:
        data = entry.model_dump()
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
        if not row.is_active:
            changes["is_active"] = True
        if changes:
            for k, v in changes.items():
                setattr(row, k, v)
            row.catalogue_version = version
            row.updated_at = now
            session.add(row)
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
    return Scholarship.deadline_month * 100 + Scholarship.deadline_day


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
        query = query.where(Scholarship.amount_max >= filters.min_amount)
    if filters.max_amount is not None:
        query = query.where(Scholarship.amount_min <= filters.max_amount)
    if filters.essay is not None:
        query = query.where(Scholarship.essay_required == filters.essay)
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
        order: list[Any] = [col(Scholarship.amount_max).desc(), col(Scholarship.name)]
    elif filters.sort == "name":
        order = [col(Scholarship.name)]
    else:
        order = [sa.case((md >= today_key, 0), else_=1), md, col(Scholarship.name)]
    items = session.exec(
        query.order_by(*order)
        .offset((filters.page - 1) * filters.page_size)
        .limit(filters.page_size)
    ).all()
    return Page(items=list(items), total=total, page=filters.page, page_size=filters.page_size)


def get_scholarship(session: Session, scholarship_id: int) -> Scholarship | None:
    row = session.get(Scholarship, scholarship_id)
    if row is None or row.source != "catalogue":
        return None
    return row
