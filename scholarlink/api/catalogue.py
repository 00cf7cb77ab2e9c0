"""Read-only catalogue API for other services."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import Field

from scholarlink.api.deps import MAX_DB_INT, RowId
from scholarlink.api.errors import error_responses
from scholarlink.core import clock
from scholarlink.observability.cache import TTLCache
from scholarlink.services import catalogue
from scholarlink.services.catalogue import ScholarshipFilters, ScholarshipOut, ScholarshipPage

router = APIRouter(prefix="/api/scholarships", tags=["catalogue"])


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
def list_scholarships(filters: Annotated[CatalogueQuery, Query()]) -> ScholarshipPage:
    today = clock.today()
    key = (filters.model_dump_json(), today)
    cached = _search_cache.get(key)
    if cached is not None:
        return cached
    result = catalogue.search(filters=filters, today=today)
    _search_cache.set(key, result)
    return result


@router.get(
    "/{scholarship_id}",
    response_model=ScholarshipOut,
    summary="One scholarship",
    responses=error_responses(404),
)
def read_scholarship(scholarship_id: RowId) -> ScholarshipOut:
    today = clock.today()
    cached = _detail_cache.get((scholarship_id, today))
    if cached is not None:
        return cached
    result = catalogue.scholarship(scholarship_id=scholarship_id, today=today)
    _detail_cache.set((scholarship_id, today), result)
    return result
