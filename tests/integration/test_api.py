"""Health, readiness and the read-only catalogue API over HTTP."""

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.api import create_api
from scholarlink.core.db import session_scope
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from tests.conftest import use_database


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    with TestClient(create_api()) as c:
        yield c


@pytest.fixture
def loaded(db: str, catalogue_path: Path) -> int:
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
    return sum(1 for e in parsed.entries if e.status == "active")


def test_health_reports_agent_and_database(client: TestClient) -> None:
    r = client.get("/health")
    assert r.status_code == 200
    body = r.json()
    assert body["status"] == "ok"
    assert body["agent_id"] == "student-pilot"
    assert body["capabilities"] == list(CAPABILITIES)
    assert body["database"]["status"] == "healthy"
    assert body["database"]["latency_ms"] >= 0
    assert body["bridge"] == {"mode": "disabled", "last_heartbeat_ok": None}
    assert r.headers["x-correlation-id"]


def test_correlation_id_is_echoed(client: TestClient) -> None:
    r = client.get("/health", headers={"X-Correlation-ID": "abc-123"})
    assert r.headers["x-correlation-id"] == "abc-123"
    r = client.get("/health", headers={"X-Correlation-ID": "bad id with spaces"})
    assert r.headers["x-correlation-id"] != "bad id with spaces"


def test_ready_when_migrated(client: TestClient) -> None:
    r = client.get("/ready")
    assert r.status_code == 200
    assert r.json()["migrations"] == "current"


def test_not_ready_without_migrations(db: str, tmp_path: Path) -> None:
    use_database(f"sqlite:///{tmp_path / 'empty.db'}")
    try:
        with TestClient(create_api()) as c:
            r = c.get("/ready")
        assert r.status_code == 503
        assert r.json()["status"] == "not_ready"
    finally:
        use_database(db)


def test_not_ready_when_database_is_down(db: str) -> None:
    use_database("postgresql://postgres@127.0.0.1:1/nowhere")
    try:
        with TestClient(create_api()) as c:
            ready = c.get("/ready")
            health = c.get("/health")
        assert ready.status_code == 503
        assert ready.json()["database"]["status"] == "unhealthy"
        assert health.status_code == 200 and health.json()["status"] == "degraded"
    finally:
        use_database(db)


def test_search_paginates_with_total(client: TestClient, loaded: int) -> None:
    r = client.get("/api/scholarships", params={"page_size": 10})
    assert r.status_code == 200
    body = r.json()
    assert body["total"] == loaded
    assert len(body["items"]) == 10
    assert body["pages"] == -(-loaded // 10)
    page2 = client.get("/api/scholarships", params={"page_size": 10, "page": 2}).json()
    assert {i["id"] for i in page2["items"]}.isdisjoint({i["id"] for i in body["items"]})


def test_default_sort_is_next_deadline_first(client: TestClient, loaded: int) -> None:
    items = client.get("/api/scholarships", params={"page_size": 100}).json()["items"]
    deadlines = [i["deadline"] for i in items if i["deadline"]]
    assert deadlines == sorted(deadlines)
    today = datetime.now(UTC).date().isoformat()
    assert all(d >= today for d in deadlines)
    # Rolling and varying dates are not invented: no date, and their kind says why.
    last = client.get("/api/scholarships", params={"page_size": 100, "page": 5}).json()["items"]
    assert all(i["deadline"] is None and i["deadline_kind"] != "fixed" for i in last)


def test_items_carry_their_provenance_cycles_and_rules(client: TestClient, loaded: int) -> None:
    coke = client.get("/api/scholarships", params={"q": "coca-cola scholars"}).json()["items"][0]
    assert coke["source_url"].startswith("http") and coke["verified_on"] == "2026-12-01"
    assert coke["kind"] == "private" and coke["sources"]
    [cycle] = coke["cycles"]
    assert cycle["kind"] == "fixed" and cycle["deadline"] >= datetime.now(UTC).date().isoformat()
    assert cycle["forGraduationYear"] == int(cycle["deadline"][:4]) + 1
    assert any(r["type"] == "level" for r in coke["rules"])
    federal = client.get("/api/scholarships", params={"kind": "federal", "page_size": 100}).json()
    assert federal["total"] >= 10 and all(i["kind"] == "federal" for i in federal["items"])


def test_sort_by_amount_and_name(client: TestClient, loaded: int) -> None:
    by_amount = client.get("/api/scholarships", params={"sort": "amount", "page_size": 50}).json()
    amounts = [i["amount_max"] for i in by_amount["items"] if i["amount_max"] is not None]
    assert amounts == sorted(amounts, reverse=True)
    by_name = client.get("/api/scholarships", params={"sort": "name", "page_size": 50}).json()
    names = [i["name"] for i in by_name["items"]]
    assert names == sorted(names)


def test_filters_narrow_results(client: TestClient, loaded: int) -> None:
    def total(**params: object) -> int:
        r = client.get("/api/scholarships", params={**params, "page_size": 100})
        assert r.status_code == 200, r.text
        return r.json()["total"]

    grad = client.get("/api/scholarships", params={"level": "graduate", "page_size": 100}).json()
    assert grad["total"] > 0
    assert all(not i["levels"] or "graduate" in i["levels"] for i in grad["items"])
    ca = client.get("/api/scholarships", params={"state": "ca", "page_size": 100}).json()
    assert all(not i["states"] or "CA" in i["states"] for i in ca["items"])
    assert total(state="CA") < loaded
    low_gpa = client.get("/api/scholarships", params={"gpa": 2.5, "page_size": 100}).json()
    assert all(i["min_gpa"] is None or i["min_gpa"] <= 2.5 for i in low_gpa["items"])
    no_essay = client.get("/api/scholarships", params={"essay": False, "page_size": 100}).json()
    assert no_essay["total"] > 0 and not any(i["essay_required"] for i in no_essay["items"])
    big = client.get("/api/scholarships", params={"min_amount": 20000, "page_size": 100}).json()
    assert all(i["amount_max"] >= 20000 for i in big["items"])
    assert total(deadline_within_days=30) <= total(deadline_within_days=200) <= loaded
    eng = client.get("/api/scholarships", params={"major": "engineering", "page_size": 100}).json()
    assert all(not i["majors"] or {"engineering", "stem"} & set(i["majors"]) for i in eng["items"])
    coke = client.get("/api/scholarships", params={"q": "coca-cola"}).json()
    assert coke["total"] >= 1


def test_detail_and_not_found(client: TestClient, loaded: int) -> None:
    first = client.get("/api/scholarships").json()["items"][0]
    r = client.get(f"/api/scholarships/{first['id']}")
    assert r.status_code == 200 and r.json()["slug"] == first["slug"]
    missing = client.get("/api/scholarships/999999")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"code": "not_found", "message": "No such scholarship"}}


@pytest.mark.parametrize(
    "params,field",
    [
        ({"level": "kindergarten"}, "level"),
        ({"page": 0}, "page"),
        ({"page_size": 1000}, "page_size"),
        ({"gpa": 7}, "gpa"),
        ({"sort": "random"}, "sort"),
        ({"state": "ZZ"}, "state"),
        ({"bogus": 1}, "bogus"),
        ({"kind": "lottery"}, "kind"),
    ],
)
def test_bad_query_is_a_422_with_field_errors(client: TestClient, params: dict, field: str) -> None:
    r = client.get("/api/scholarships", params=params)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == "validation_error"
    assert any(d["field"] == field for d in err["details"]), err


def test_openapi_schema_lists_routes(client: TestClient) -> None:
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/health", "/ready", "/api/scholarships", "/api/scholarships/{scholarship_id}"} <= set(
        paths
    )


def test_catalogue_reads_are_cached(client: TestClient, loaded: int) -> None:
    from scholarlink.api.catalogue import _detail_cache, _search_cache

    before = _search_cache.stats()
    first = client.get("/api/scholarships", params={"q": "scholar", "page_size": 5}).json()
    second = client.get("/api/scholarships", params={"q": "scholar", "page_size": 5}).json()
    after = _search_cache.stats()
    assert first == second
    assert after.hits == before.hits + 1 and after.misses == before.misses + 1
    item = first["items"][0]["id"]
    for _ in range(3):
        assert client.get(f"/api/scholarships/{item}").status_code == 200
    assert _detail_cache.stats().hits >= 2
    assert client.get("/api/metrics").json()["cache"]["hits"] >= 3
