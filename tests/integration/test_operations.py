"""`/api/metrics` and `/api/health/reliability` over HTTP, and the pieces behind them."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from fastapi import FastAPI
from fastapi.responses import JSONResponse
from fastapi.testclient import TestClient

from scholarlink.api import create_api
from scholarlink.core.breakers import all_breakers, breaker
from scholarlink.core.db import session_scope
from scholarlink.observability.cache import TTLCache, approximate_size, cache_stats
from scholarlink.observability.live_stats import LIVE, LiveStats, RollingWindow, percentile
from scholarlink.observability.operations import breaker_report
from scholarlink.services.credits import MILLI, Usage, run_charged_operation

SHAPE = {
    "http": {
        "totalRequests",
        "requestRate",
        "errorRate",
        "p50Latency",
        "p95Latency",
        "p99Latency",
    },
    "cache": {"hits", "misses", "hitRate", "evictions", "sizeBytes"},
    "database": {
        "activeConnections",
        "recentQueries",
        "avgDuration",
        "p95Duration",
        "queriesPerMinute",
        "health",
    },
    "ai": {"operations", "avgDuration", "totalCost", "avgCost", "errors", "costEfficiency"},
}


def _app() -> FastAPI:
    api = create_api()

    @api.get("/test/unavailable")
    async def unavailable() -> JSONResponse:
        return JSONResponse({"error": {"code": "unavailable"}}, status_code=503)

    return api


@pytest.fixture
def client(db: str) -> Iterator[TestClient]:
    LIVE.reset()
    with TestClient(_app()) as c:
        yield c


def metrics(client: TestClient) -> dict[str, Any]:
    r = client.get("/api/metrics")
    assert r.status_code == 200
    return r.json()


def test_metrics_has_the_seed_shape(client: TestClient) -> None:
    r = client.get("/api/metrics", headers={"X-Correlation-ID": "ops-shape-1"})
    body = r.json()
    assert set(body) == {"timestamp", "correlationId", *SHAPE, "resources"}
    for section, keys in SHAPE.items():
        assert set(body[section]) == keys, section
    assert set(body["resources"]) == {"memory", "cpu", "uptime"}
    assert set(body["resources"]["memory"]) == {"current", "total", "usage"}
    assert set(body["resources"]["cpu"]) == {"user", "system", "usage"}
    assert body["correlationId"] == "ops-shape-1" == r.headers["x-correlation-id"]
    assert body["timestamp"].endswith("+00:00")
    for section in ("http", "cache", "ai"):
        for key, value in body[section].items():
            if key != "costEfficiency":
                assert isinstance(value, int | float) and value >= 0, (section, key)


def test_http_figures_move_with_requests(client: TestClient) -> None:
    before = metrics(client)["http"]
    for _ in range(5):
        assert client.get("/health").status_code == 200
    assert client.get("/test/unavailable").status_code == 503
    after = metrics(client)["http"]
    # The metrics requests themselves count too: 1 before + 6 + (this one is not yet answered).
    assert after["totalRequests"] >= before["totalRequests"] + 6
    assert after["requestRate"] > before["requestRate"]
    assert 0 < after["errorRate"] < 100
    assert 0 < after["p50Latency"] <= after["p95Latency"] <= after["p99Latency"]


def test_client_errors_are_not_server_errors(client: TestClient) -> None:
    assert client.get("/api/scholarships/999999999").status_code == 404
    assert metrics(client)["http"]["errorRate"] == 0


def test_database_figures_move_with_queries(client: TestClient) -> None:
    before = metrics(client)["database"]
    assert client.get("/ready").status_code == 200
    with session_scope() as s:
        s.execute(sa.text("SELECT 1"))
        # A connection is checked out while this session is open.
        during = metrics(client)["database"]
    after = metrics(client)["database"]
    assert during["activeConnections"] >= 1
    assert after["recentQueries"] > before["recentQueries"]
    assert after["queriesPerMinute"] > 0
    assert after["avgDuration"] > 0 and after["p95Duration"] > 0
    assert after["health"] in ("healthy", "degraded")


def test_failed_statements_degrade_database_health(client: TestClient) -> None:
    with pytest.raises(sa.exc.DBAPIError), session_scope() as s:
        s.execute(sa.text("SELECT * FROM no_such_table"))
    assert metrics(client)["database"]["health"] in ("degraded", "unhealthy")


def test_ai_figures_come_from_charged_operations(client: TestClient) -> None:
    before = metrics(client)["ai"]
    charged = run_charged_operation(
        operation_id=f"ops-test:{uuid.uuid4()}",
        user_id=None,
        operation="ops_test",
        estimate=0,
        work=lambda: ({"ok": True}, Usage(provider="local")),
        price=lambda _s, _u: 300 * MILLI,
    )
    assert charged.cost == 300 * MILLI

    def fail() -> tuple[dict[str, Any], Usage]:
        raise RuntimeError("provider down")

    with pytest.raises(RuntimeError):
        run_charged_operation(
            operation_id=f"ops-test:{uuid.uuid4()}",
            user_id=None,
            operation="ops_test",
            estimate=0,
            work=fail,
            price=lambda _s, _u: 0,
        )
    after = metrics(client)["ai"]
    assert after["operations"] == before["operations"] + 2
    assert after["errors"] == before["errors"] + 1
    assert after["totalCost"] == pytest.approx(before["totalCost"] + 300)
    assert after["avgCost"] > 0 and after["avgDuration"] >= 0
    assert after["costEfficiency"] in ("efficient", "expensive")


def test_cache_figures_are_real(client: TestClient) -> None:
    before = metrics(client)["cache"]
    cache: TTLCache[str, dict[str, int]] = TTLCache("ops-test", ttl=60)
    assert cache.get("a") is None
    cache.set("a", {"x": 1})
    assert cache.get("a") == {"x": 1}
    after = metrics(client)["cache"]
    assert after["hits"] == before["hits"] + 1
    assert after["misses"] == before["misses"] + 1
    assert after["sizeBytes"] >= before["sizeBytes"] + approximate_size({"x": 1})
    assert 0 < after["hitRate"] <= 100


def test_resources_are_this_process(client: TestClient) -> None:
    resources = metrics(client)["resources"]
    memory, cpu = resources["memory"], resources["cpu"]
    assert 0 < memory["current"] < memory["total"]
    assert 0 < memory["usage"] < 100
    assert cpu["user"] > 0 and cpu["system"] >= 0 and cpu["usage"] >= 0
    assert resources["uptime"] > 0


@pytest.fixture
def breakers() -> Iterator[None]:
    for b in all_breakers():
        b.reset()
    yield
    for b in all_breakers():
        b.reset()


def test_reliability_lists_the_standing_breakers(client: TestClient, breakers: None) -> None:
    r = client.get("/api/health/reliability")
    assert r.status_code == 200
    body = r.json()
    by_name = {b["name"]: b for b in body["breakers"]}
    assert {"openai", "stripe", "storage"} <= set(by_name)
    assert body["status"] == "ok"
    assert body["summary"]["open"] == 0
    for view in by_name.values():
        assert view["state"] == "closed"
        assert {"consecutive_failures", "total_failures", "last_transition"} <= set(view)


def test_reliability_shows_open_and_probing_breakers(client: TestClient, breakers: None) -> None:
    cc = breaker("command-center:cc.test:443", failure_threshold=2, reset_after=60)
    for _ in range(2):
        cc.record_failure("HTTP 503")
    probing = breaker("ops-test-probe", failure_threshold=1, reset_after=0.05)
    probing.record_failure(ConnectionError("refused"))
    time.sleep(0.1)
    body = client.get("/api/health/reliability").json()
    by_name = {b["name"]: b for b in body["breakers"]}
    assert body["status"] == "degraded"
    assert body["summary"]["open"] >= 1 and body["summary"]["half_open"] >= 1
    assert by_name["ops-test-probe"]["state"] == "half_open"
    # The operator's view (breaker_report(details=True), served behind the bridge's JWT at
    # /api/agent/reliability) has the destination and the last error.
    details = {b["name"]: b for b in breaker_report(details=True)["breakers"]}
    opened = details["command-center:cc.test:443"]
    assert opened["state"] == "open"
    assert opened["consecutive_failures"] == 2 and opened["total_failures"] >= 2
    assert opened["last_error"] == "HTTP 503"


# -- the pieces, without HTTP ---------------------------------------------------------------------


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_ttl_cache_hits_misses_and_expiry() -> None:
    clock = FakeClock()
    cache: TTLCache[str, str] = TTLCache("unit-expiry", ttl=10, clock=clock)
    assert cache.get("k") is None
    cache.set("k", "v")
    assert cache.get("k") == "v"
    clock.now += 10
    assert cache.get("k", "gone") == "gone"
    stats = cache.stats()
    assert (stats.hits, stats.misses, stats.expirations, stats.entries) == (1, 2, 1, 0)
    assert stats.size_bytes == 0
    assert stats.hit_rate == pytest.approx(100 / 3)


def test_ttl_cache_evicts_least_recently_used() -> None:
    cache: TTLCache[int, int] = TTLCache("unit-lru", ttl=60, max_entries=2)
    cache.set(1, 1)
    cache.set(2, 2)
    assert cache.get(1) == 1  # 2 is now the least recently used
    cache.set(3, 3)
    assert cache.get(2) is None
    assert cache.get(1) == 1 and cache.get(3) == 3
    assert cache.stats().evictions == 1
    assert len(cache) == 2


def test_ttl_cache_size_follows_entries() -> None:
    cache: TTLCache[str, list[str]] = TTLCache("unit-size", ttl=60)
    cache.set("a", ["x" * 1000])
    one = cache.stats().size_bytes
    assert one >= 1000
    cache.set("a", ["y" * 10])  # replacing an entry replaces its size
    assert cache.stats().size_bytes < one
    cache.set("b", ["z"], ttl=1)
    assert cache.delete("a") and not cache.delete("a")
    cache.clear()
    assert cache.stats().size_bytes == 0 and len(cache) == 0


def test_ttl_cache_purges_expired_entries_and_rejects_bad_ttls() -> None:
    clock = FakeClock()
    cache: TTLCache[str, int] = TTLCache("unit-purge", ttl=5, clock=clock)
    cache.set("short", 1, ttl=1)
    cache.set("long", 2)
    clock.now += 2
    assert cache.purge_expired() == 1
    assert len(cache) == 1 and cache.stats().expirations == 1
    with pytest.raises(ValueError):
        cache.set("bad", 3, ttl=0)
    with pytest.raises(ValueError):
        TTLCache("bad", ttl=0)


def test_cache_stats_sum_live_caches_only() -> None:
    base = cache_stats()
    cache: TTLCache[str, int] = TTLCache("unit-sum", ttl=60)
    cache.get("x")
    assert cache_stats().misses == base.misses + 1
    del cache
    assert cache_stats().misses == base.misses


def test_rolling_window_forgets_old_samples_and_stays_bounded() -> None:
    window = RollingWindow(horizon=10, max_samples=3)
    for at in (0.0, 1.0, 2.0, 3.0):
        window.add(0.01, now=at)
    assert [s.at for s in window.samples(now=3.0)] == [1.0, 2.0, 3.0]
    assert [s.at for s in window.samples(now=12.5)] == [3.0]
    assert window.total == 4


def test_rates_stay_right_when_the_window_is_full() -> None:
    stats = LiveStats(started=0.0, http=RollingWindow(horizon=600, max_samples=100))
    for i in range(1000):  # 1,000 requests in 10 s: the window keeps the last 100 (1 s)
        stats.http.add(0.001, now=10 + i / 100)
    figures = stats.http_figures(now=20.0)
    assert figures["totalRequests"] == 1000
    assert figures["requestRate"] == pytest.approx(100, rel=0.02)


def test_percentile_is_nearest_rank() -> None:
    values = [float(v) for v in range(1, 101)]
    assert percentile(values, 50) == 50
    assert percentile(values, 95) == 95
    assert percentile(values, 99) == 99
    assert percentile([7.0], 99) == 7
    assert percentile([], 50) == 0
