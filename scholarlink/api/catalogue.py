"""Read-only catalogue API for other services."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel, Field

from scholarlink.api.deps import MAX_DB_INT, RowId, SessionDep
from scholarlink.api.errors import error_responses
from scholarlink.core import clock
from scholarlink.core.errors import NotFound
from scholarlink.domain.cycles import upcoming_cycles
from scholarlink.models import Scholarship
from scholarlink.observability.cache import TTLCache
from scholarlink.services.catalogue import (
    ScholarshipFilters,
    get_scholarship,
    search_scholarships,
)
from scholarlink.services.deadlines import deadline_kind, entry_of, next_deadline

router = APIRouter(prefix="/api/scholarships", tags=["catalogue"])


class CycleOut(BaseModel):
    opens: date | None
    deadline: date | None
    kind: str
    forGraduationYear: int | None
    readFor: str | None
    note: str | None


class SourceOut(BaseModel):
    url: str
    publisher: str | None
    date: str | None


class ScholarshipOut(BaseModel):
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
    items: list[ScholarshipOut]
    total: int
    page: int
    page_size: int
    pages: int


class CatalogueQuery(ScholarshipFilters):
    """The search filters as query parameters, bounded to what the database can compare: no
    control characters in the text (PostgreSQL refuses NUL) and amounts within an INTEGER."""

    q: str | None = Field(default=None, max_length=200, pattern=r"^[^\x00-\x1F\x7F]*$")
    min_amount: int | None = Field(default=None, ge=0, le=MAX_DB_INT)
    max_amount: int | None = Field(default=None, ge=0, le=MAX_DB_INT)


# Catalogue reads are the hottest public route and the catalogue changes only when an operator
# loads a new version: answers are kept for a minute (hit rate reported in /api/metrics).
CACHE_SECONDS = 60.0
_search_cache: TTLCache[tuple[str, date], ScholarshipPage] = TTLCache(
    "catalogue-search", ttl=CACHE_SECONDS, max_entries=512
)
_detail_cache: TTLCache[tuple[int, date], ScholarshipOut] = TTLCache(
    "catalogue-detail", ttl=CACHE_SECONDS, max_entries=2048
)


def clear_catalogue_cache() -> None:
    """Forget cached answers (after loading a catalogue in this process; tests)."""
    _search_cache.clear()
    _detail_cache.clear()


@router.get("", response_model=ScholarshipPage, summary="Search the catalogue")
def list_scholarships(
    session: SessionDep, filters: Annotated[CatalogueQuery, Query()]
) -> ScholarshipPage:
    today = clock.today()
    key = (filters.model_dump_json(), today)
    cached = _search_cache.get(key)
    if cached is not None:
        return cached
    page = search_scholarships(session, filters, today=today)
    result = ScholarshipPage(
        items=[ScholarshipOut.of(s, today) for s in page.items],
        total=page.total,
        page=page.page,
        page_size=page.page_size,
        pages=page.pages,
    )
    _search_cache.set(key, result)
    return result


@router.get(
    "/{scholarship_id}",
    response_model=ScholarshipOut,
    summary="One scholarship",
    responses=error_responses(404),
)
def read_scholarship(scholarship_id: RowId, session: SessionDep) -> ScholarshipOut:
    today = clock.today()
    cached = _detail_cache.get((scholarship_id, today))
    if cached is not None:
        return cached
    row = get_scholarship(session, scholarship_id)
    if row is None or not row.is_active:
        raise NotFound("No such scholarship")
    result = ScholarshipOut.of(row, today)
    _detail_cache.set((scholarship_id, today), result)
    return result
