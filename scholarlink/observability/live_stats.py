"""Live figures for `/api/metrics` (the seed's section 8.3 shape), computed in this process.

Prometheus (`/metrics`) is the source for dashboards and alerts; this is the same story as one
JSON document a person or the Command Center can read without PromQL. HTTP requests and database
statements are kept as timestamped samples in a bounded rolling window (the last `WINDOW_SECONDS`,
at most `MAX_SAMPLES` each), fed by the HTTP middleware and the engine listeners. AI figures are
read from the Prometheus counters, so they are totals since the process started. Everything is
per process: with several workers or pods, each answers for itself.

Units: latencies and durations in milliseconds, rates and usages in percent, memory in MiB,
CPU time in milliseconds, uptime in seconds.
"""

from __future__ import annotations

import math
import os
import resource
import threading
import time
import weakref
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from sqlalchemy.engine import Engine

from scholarlink.core.clock import utcnow
from scholarlink.observability.cache import cache_stats
from scholarlink.observability.logs import correlation_id
from scholarlink.observability.metrics import (
    AI_COST,
    AI_DURATION,
    AI_OPERATIONS,
    observe_queries,
)

WINDOW_SECONDS = 600.0
MAX_SAMPLES = 10_000
# Database health: the seed's alert fires under 80% successful statements; its p95 target is
# 100 ms.
DB_UNHEALTHY_FAILURE_RATIO = 0.2
DB_P95_TARGET_MS = 100.0
# An AI operation is "efficient" when it costs on average no more than 500 credits, the flat
# price an essay analysis once had (offline tools are free now): a token-priced model call
# should not cost more than that.
AI_EFFICIENT_AVG_COST = 500.0
# CPU usage is measured between snapshots at least this far apart, so that two requests a few
# microseconds apart do not divide by almost nothing.
_CPU_MIN_INTERVAL = 1.0
_MIB = 1024 * 1024


@dataclass(frozen=True)
class Sample:
    at: float  # time.monotonic()
    duration: float  # seconds
    failed: bool


class RollingWindow:
    """Samples of the last `horizon` seconds, at most `max_samples` of them (oldest dropped)."""

    def __init__(self, *, horizon: float = WINDOW_SECONDS, max_samples: int = MAX_SAMPLES) -> None:
        self.horizon = horizon
        self.max_samples = max_samples
        self._samples: deque[Sample] = deque(maxlen=max_samples)
        self._lock = threading.Lock()
        self.total = 0  # every sample ever added, not only those still in the window

    def add(self, duration: float, *, failed: bool = False, now: float | None = None) -> None:
        sample = Sample(time.monotonic() if now is None else now, duration, failed)
        with self._lock:
            self._samples.append(sample)
            self.total += 1

    def samples(self, now: float | None = None) -> list[Sample]:
        cutoff = (time.monotonic() if now is None else now) - self.horizon
        with self._lock:
            while self._samples and self._samples[0].at < cutoff:
                self._samples.popleft()
            return list(self._samples)

    def clear(self) -> None:
        with self._lock:
            self._samples.clear()
            self.total = 0


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of already sorted values; 0.0 for none."""
    if not sorted_values:
        return 0.0
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


@dataclass
class LiveStats:
    started: float = field(default_factory=time.monotonic)
    http: RollingWindow = field(default_factory=RollingWindow)
    db: RollingWindow = field(default_factory=RollingWindow)
    _cpu_mark: tuple[float, float] | None = None
    _cpu_usage: float = 0.0
    _cpu_lock: threading.Lock = field(default_factory=threading.Lock)

    def record_request(self, duration: float, status: int) -> None:
        """One answered HTTP request; 5xx answers count as errors (4xx are the caller's)."""
        self.http.add(duration, failed=status >= 500)

    def record_query(self, duration: float, *, failed: bool = False) -> None:
        self.db.add(duration, failed=failed)

    def reset(self) -> None:
        self.http.clear()
        self.db.clear()
        self.started = time.monotonic()

    def _span(self, window: RollingWindow, samples: list[Sample], now: float) -> float:
        """Seconds the samples cover: less than the horizon just after start, and only back to
        the oldest kept sample once the window is full (rates stay right under heavy load)."""
        span = min(window.horizon, now - self.started)
        if samples and len(samples) >= window.max_samples:
            span = now - samples[0].at
        return max(span, 1.0)

    def http_figures(self, now: float) -> dict[str, Any]:
        samples = self.http.samples(now)
        durations = sorted(s.duration for s in samples)
        errors = sum(1 for s in samples if s.failed)
        return {
            "totalRequests": self.http.total,
            "requestRate": round(len(samples) / self._span(self.http, samples, now), 3),
            "errorRate": round(100 * errors / len(samples), 3) if samples else 0.0,
            "p50Latency": _ms(percentile(durations, 50)),
            "p95Latency": _ms(percentile(durations, 95)),
            "p99Latency": _ms(percentile(durations, 99)),
        }

    def database_figures(self, now: float) -> dict[str, Any]:
        samples = self.db.samples(now)
        durations = sorted(s.duration for s in samples)
        failures = sum(1 for s in samples if s.failed)
        p95 = percentile(durations, 95)
        return {
            "activeConnections": _checked_out_connections(),
            "recentQueries": len(samples),
            "avgDuration": _ms(sum(durations) / len(durations)) if durations else 0.0,
            "p95Duration": _ms(p95),
            "queriesPerMinute": round(len(samples) * 60 / self._span(self.db, samples, now), 2),
            "health": _database_health(len(samples), failures, p95 * 1000),
        }

    def cpu_figures(self) -> dict[str, float]:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime + usage.ru_stime
        wall = time.monotonic()
        with self._cpu_lock:
            # The first reading averages over the process's life so far.
            mark = self._cpu_mark or (wall - process_uptime(wall - self.started), 0.0)
            if self._cpu_mark is None or wall - mark[0] >= _CPU_MIN_INTERVAL:
                elapsed = max(wall - mark[0], 1e-6)
                self._cpu_usage = 100 * (cpu - mark[1]) / elapsed
                self._cpu_mark = (wall, cpu)
            return {
                "user": round(usage.ru_utime * 1000, 1),
                "system": round(usage.ru_stime * 1000, 1),
                "usage": round(self._cpu_usage, 2),
            }

    def snapshot(self) -> dict[str, Any]:
        now = time.monotonic()
        return {
            "timestamp": utcnow().isoformat(),
            "correlationId": correlation_id.get(),
            "http": self.http_figures(now),
            "cache": cache_figures(),
            "database": self.database_figures(now),
            "ai": ai_figures(),
            "resources": {
                "memory": memory_figures(),
                "cpu": self.cpu_figures(),
                "uptime": round(process_uptime(now - self.started), 1),
            },
        }


def _database_health(
    queries: int, failures: int, p95_ms: float
) -> Literal["idle", "healthy", "degraded", "unhealthy"]:
    if not queries:
        return "idle"  # nothing ran in the window: no evidence either way (see /health)
    if failures / queries > DB_UNHEALTHY_FAILURE_RATIO:
        return "unhealthy"
    if failures or p95_ms > DB_P95_TARGET_MS:
        return "degraded"
    return "healthy"


# Engines that ran a statement in this process (weakly: a disposed and dropped one is gone).
_engines: weakref.WeakSet[Engine] = weakref.WeakSet()


def _checked_out_connections() -> int:
    """Connections the pools of this process's engines have handed out right now; 0 before any
    statement ran (reading the figure must not create an engine)."""
    total = 0
    for engine in list(_engines):
        checkedout = getattr(engine.pool, "checkedout", None)
        total += int(checkedout()) if callable(checkedout) else 0
    return total


def cache_figures() -> dict[str, Any]:
    stats = cache_stats()
    return {
        "hits": stats.hits,
        "misses": stats.misses,
        "hitRate": round(stats.hit_rate, 2),
        "evictions": stats.evictions,
        "sizeBytes": stats.size_bytes,
    }


def _samples(metric: Any, suffix: str) -> Iterable[tuple[dict[str, str], float]]:
    for family in metric.collect():
        for sample in family.samples:
            if sample.name == family.name + suffix:
                yield sample.labels, sample.value


def ai_figures() -> dict[str, Any]:
    succeeded = errors = 0.0
    for labels, value in _samples(AI_OPERATIONS, "_total"):
        if labels.get("outcome") == "ok":
            succeeded += value
        else:
            errors += value
    total_cost = sum((value for _, value in _samples(AI_COST, "_total")), 0.0)
    duration_sum = sum(value for _, value in _samples(AI_DURATION, "_sum"))
    duration_count = sum(value for _, value in _samples(AI_DURATION, "_count"))
    avg_cost = total_cost / succeeded if succeeded else 0.0
    if not succeeded:
        efficiency = "idle"
    elif avg_cost <= AI_EFFICIENT_AVG_COST:
        efficiency = "efficient"
    else:
        efficiency = "expensive"
    return {
        "operations": int(succeeded + errors),
        "avgDuration": _ms(duration_sum / duration_count) if duration_count else 0.0,
        "totalCost": round(total_cost, 3),
        "avgCost": round(avg_cost, 3),
        "errors": int(errors),
        "costEfficiency": efficiency,
    }


def _read(path: str) -> str | None:
    try:
        return Path(path).read_text(encoding="ascii").strip()
    except OSError:
        return None


def resident_bytes() -> int:
    """Resident set size now (/proc/self/statm), or the peak from getrusage off Linux."""
    statm = _read("/proc/self/statm")
    if statm:
        return int(statm.split()[1]) * os.sysconf("SC_PAGE_SIZE")
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def memory_limit_bytes() -> int | None:
    """The container's memory limit (cgroup v2, then v1), else the machine's memory."""
    machine: int | None = None
    meminfo = _read("/proc/meminfo")
    if meminfo:
        for line in meminfo.splitlines():
            if line.startswith("MemTotal:"):
                machine = int(line.split()[1]) * 1024
    for path in ("/sys/fs/cgroup/memory.max", "/sys/fs/cgroup/memory/memory.limit_in_bytes"):
        raw = _read(path)
        if raw and raw.isdigit():
            limit = int(raw)
            # cgroup v1 writes "unlimited" as a huge number.
            if machine is None or limit < machine:
                return limit
    return machine


def memory_figures() -> dict[str, float]:
    current = resident_bytes()
    limit = memory_limit_bytes()
    return {
        "current": round(current / _MIB, 2),
        "total": round(limit / _MIB, 2) if limit else 0.0,
        "usage": round(100 * current / limit, 2) if limit else 0.0,
    }


def process_uptime(fallback: float) -> float:
    """Seconds since the process started (/proc), else since this module was imported."""
    stat, uptime = _read("/proc/self/stat"), _read("/proc/uptime")
    if stat and uptime:
        # Fields after the command name, which may itself contain spaces and parentheses.
        fields = stat.rsplit(")", 1)[1].split()
        started_after_boot = int(fields[19]) / os.sysconf("SC_CLK_TCK")
        return max(float(uptime.split()[0]) - started_after_boot, 0.0)
    return fallback


LIVE = LiveStats()


def _record_query(seconds: float, failed: bool, engine: Engine | None) -> None:
    if engine is not None:
        _engines.add(engine)
    LIVE.record_query(seconds, failed=failed)


observe_queries(_record_query)
