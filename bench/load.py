"""Load on the scaled-out mode, against the seed's SLOs, beside a baseline from the same run.

The app runs as `reflex run --env prod --single-port` with two Granian workers, Reflex state in
Redis, a fresh PostgreSQL database with the catalogue loaded, and the agent bridge configured
against an in-process Command Center simulator (as tests/e2e/test_scaled_out.py starts it).

1. Baseline, same server, same client, same virtual students and think time: a bare request
   loop on Reflex's own `/ping` (no application code, no database), `/health` alone (one database
   round trip), and the bare loop back to back for the server's capacity.
2. The journey: N virtual students with think time search the catalogue with filters
   (`/api/scholarships`), open a result (`/api/scholarships/{id}`) and poll `/health`, while the
   Command Center dispatches `student_pilot.get_profile` / `update_profile` tasks to
   `/agent/task` at a steady rate and receives their callbacks.

Reported per class: requests/s, p50/p95/p99 and error rate, against the seed's SLOs (section 10:
p95 ≤ 120 ms for non-AI requests, error rate < 0.5 %), and a verdict. Over plain HTTP only: the
Reflex websocket (UI events) is not driven here; bench/ui.py measures those.

Environment: BENCH_LOAD_SECONDS (20), BENCH_LOAD_STUDENTS (16), BENCH_LOAD_TASKS_PER_SECOND (5),
BENCH_POSTGRES_URL (the admin URL, default postgres@127.0.0.1:5432), BENCH_REDIS_URL.
"""

from __future__ import annotations

import asyncio
import os
import random
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
import sqlalchemy as sa
import uvicorn

from scholarlink.agent.simulator import CommandCenter, sign_task_token, task_body

ROOT = Path(__file__).resolve().parent.parent
SECRET = "bench-load-secret-" + "x" * 32
SLO_P95_MS = 120.0
SLO_ERROR_RATE = 0.005
SECONDS = float(os.environ.get("BENCH_LOAD_SECONDS", "20"))
STUDENTS = int(os.environ.get("BENCH_LOAD_STUDENTS", "16"))
TASKS_PER_SECOND = float(os.environ.get("BENCH_LOAD_TASKS_PER_SECOND", "5"))
BASELINE_SECONDS = 5.0
THINK_SECONDS = (0.05, 0.25)
PG_ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/8")
SEED_STUDENTS = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


@dataclass
class Stats:
    """Latencies (ms) of successful requests and a count of failed ones, per class."""

    ok: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    error_samples: dict[str, str] = field(default_factory=dict)

    def record(self, name: str, ms: float, error: str | None) -> None:
        if error is None:
            self.ok[name].append(ms)
        else:
            self.errors[name] += 1
            self.error_samples.setdefault(name, error)

    def count(self, name: str) -> int:
        return len(self.ok[name]) + self.errors[name]

    def error_rate(self, name: str) -> float:
        total = self.count(name)
        return self.errors[name] / total if total else 0.0


# -- the system under test ------------------------------------------------------------------


def _create_database() -> str:
    name = f"sl_load_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name


def _drop_database(url: str) -> None:
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)'))
    admin.dispose()


def _prepare(db_url: str) -> tuple[list[int], list[str]]:
    """Migrate, load the catalogue, seed students with profiles. Returns (scholarship ids,
    student public ids)."""
    from sqlmodel import select

    from scholarlink.core.db import reset_engine, session_scope
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.migrations import upgrade_to_head
    from scholarlink.models import Scholarship, User
    from scholarlink.services import profiles
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue

    os.environ["DATABASE_URL"] = db_url
    reset_settings_cache()
    reset_engine()
    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    students = [f"load-{i:03d}" for i in range(SEED_STUDENTS)]
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
        for public_id in students:
            user = User(public_id=public_id, email=f"{public_id}@example.org")
            s.add(user)
            s.flush()
            assert user.id is not None
            profiles.update_profile(
                s,
                user_id=user.id,
                changes=profiles.parse_profile_input(
                    {"gpa": 3.4, "major": "Biology", "academicLevel": "undergraduate"}
                ),
            )
    with session_scope() as s:
        ids = list(s.exec(select(Scholarship.id).where(Scholarship.is_active)).all())
    reset_engine()
    return [i for i in ids if i is not None], students


def _start_cc(cc: CommandCenter) -> tuple[str, uvicorn.Server]:
    """The simulator on its own thread and event loop, so callbacks are stamped on arrival."""
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(cc.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server


def _start_app(env: dict[str, str], log: Path) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    bun = ROOT / ".tools" / "bun" / "node_modules" / ".bin" / "bun"
    defaults = {
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        **({"REFLEX_BUN_PATH": str(bun)} if bun.exists() else {}),
    }
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--single-port",
                "--frontend-port",
                str(port),
                "--backend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=ROOT,
            env={**defaults, **os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"reflex exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/ready", timeout=2).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            pass
        time.sleep(1)
    _stop_app(proc)
    raise RuntimeError(f"the scaled-out app did not start; see {log}")


def _stop_app(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is not None:
        return
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


# -- load -----------------------------------------------------------------------------------


async def _timed(
    client: httpx.AsyncClient, stats: Stats, name: str, method: str, url: str, **kw: Any
) -> httpx.Response | None:
    expected = kw.pop("expected", 200)
    start = time.perf_counter()
    try:
        r = await client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        stats.record(name, (time.perf_counter() - start) * 1000, f"{type(exc).__name__}")
        return None
    ms = (time.perf_counter() - start) * 1000
    stats.record(name, ms, None if r.status_code == expected else f"HTTP {r.status_code}")
    return r


async def _loop_one(
    client: httpx.AsyncClient, stats: Stats, name: str, path: str, stop: float, seed: int | None
) -> None:
    """One virtual student requesting `path` over and over: with the journey's think time when
    seeded, back to back otherwise."""
    rng = random.Random(seed)
    while time.monotonic() < stop:
        await _timed(client, stats, name, "GET", path)
        if seed is not None:
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))


async def _baseline(
    base: str, name: str, path: str, seconds: float, *, paced: bool
) -> tuple[Stats, float]:
    stats = Stats()
    limits = httpx.Limits(max_connections=STUDENTS, max_keepalive_connections=STUDENTS)
    async with httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client:
        stop = time.monotonic() + seconds
        started = time.monotonic()
        await asyncio.gather(
            *(
                _loop_one(client, stats, name, path, stop, seed if paced else None)
                for seed in range(STUDENTS)
            )
        )
    return stats, time.monotonic() - started


def _search_params(rng: random.Random) -> dict[str, Any]:
    from scholarlink.services.vocabulary import ACADEMIC_LEVELS, MAJOR_FIELDS, US_STATES

    params: dict[str, Any] = {"sort": rng.choice(["deadline", "amount", "name"])}
    if rng.random() < 0.5:
        params["level"] = rng.choice(list(ACADEMIC_LEVELS))
    if rng.random() < 0.4:
        params["state"] = rng.choice(list(US_STATES))
    if rng.random() < 0.4:
        params["major"] = rng.choice(list(MAJOR_FIELDS))
    if rng.random() < 0.5:
        params["gpa"] = round(rng.uniform(2.0, 4.0), 1)
    if rng.random() < 0.3:
        params["q"] = rng.choice(["science", "leader", "women", "engineering", "art", "first"])
    if rng.random() < 0.3:
        params["min_amount"] = rng.choice([500, 1000, 2500, 5000])
    if rng.random() < 0.2:
        params["deadline_within_days"] = rng.choice([30, 90, 180])
    if rng.random() < 0.2:
        params["essay"] = rng.choice(["true", "false"])
    params["page"] = 1 if rng.random() < 0.8 else 2
    return params


async def _student(
    client: httpx.AsyncClient, stats: Stats, ids: list[int], seed: int, stop: float
) -> None:
    rng = random.Random(seed)
    while time.monotonic() < stop:
        r = await _timed(
            client, stats, "search", "GET", "/api/scholarships", params=_search_params(rng)
        )
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))
        items = r.json().get("items", []) if r is not None and r.status_code == 200 else []
        pick = rng.choice(items)["id"] if items else rng.choice(ids)
        await _timed(client, stats, "detail", "GET", f"/api/scholarships/{pick}")
        await asyncio.sleep(rng.uniform(*THINK_SECONDS))
        if rng.random() < 0.25:
            await _timed(client, stats, "health", "GET", "/health")
            await asyncio.sleep(rng.uniform(*THINK_SECONDS))


async def _command_center(
    client: httpx.AsyncClient,
    stats: Stats,
    reply_to: str,
    students: list[str],
    sent: dict[str, float],
    stop: float,
) -> None:
    """Dispatches at a steady rate (each dispatch on its own, so a slow answer never delays
    the next one)."""
    rng = random.Random(7)
    interval = 1 / TASKS_PER_SECOND
    pending: set[asyncio.Task[Any]] = set()
    next_at = time.monotonic()
    n = 0
    while next_at < stop:
        await asyncio.sleep(max(0.0, next_at - time.monotonic()))
        student = rng.choice(students)
        if n % 2:
            body = task_body(
                "student_pilot.update_profile",
                {"studentId": student, "profileData": {"gpa": round(rng.uniform(2.5, 4.0), 2)}},
                reply_to=reply_to,
            )
        else:
            body = task_body("student_pilot.get_profile", {"studentId": student}, reply_to=reply_to)
        sent[body["task_id"]] = time.monotonic()
        headers = {"Authorization": f"Bearer {sign_task_token(SECRET)}"}
        task = asyncio.create_task(
            _timed(
                client,
                stats,
                "agent task",
                "POST",
                "/agent/task",
                json=body,
                headers=headers,
                expected=202,
            )
        )
        pending.add(task)
        task.add_done_callback(pending.discard)
        n += 1
        next_at += interval
    await asyncio.gather(*pending)


async def _journey(
    base: str, ids: list[int], students: list[str], reply_to: str
) -> tuple[Stats, float, dict[str, float]]:
    stats = Stats()
    sent: dict[str, float] = {}
    limits = httpx.Limits(max_connections=STUDENTS + 8, max_keepalive_connections=STUDENTS + 8)
    async with (
        httpx.AsyncClient(base_url=base, timeout=30, limits=limits) as client,
        httpx.AsyncClient(base_url=base, timeout=30) as cc_client,
    ):
        started = time.monotonic()
        stop = started + SECONDS
        await asyncio.gather(
            *(_student(client, stats, ids, seed, stop) for seed in range(STUDENTS)),
            _command_center(cc_client, stats, reply_to, students, sent, stop),
        )
    return stats, time.monotonic() - started, sent


# -- report ---------------------------------------------------------------------------------


def _line(name: str, stats: Stats, seconds: float, slo: bool) -> tuple[str, bool]:
    ok = stats.ok[name]
    rate = stats.error_rate(name)
    if not ok:
        return f"{name:<14} no successful requests ({stats.errors[name]} errors)", False
    p50, p95, p99 = statistics.median(ok), _pct(ok, 95), _pct(ok, 99)
    met = p95 <= SLO_P95_MS and rate < SLO_ERROR_RATE
    verdict = ("ok" if met else "MISSED") if slo else "baseline"
    sample = f"  e.g. {stats.error_samples[name]}" if name in stats.error_samples else ""
    text = (
        f"{name:<14} {stats.count(name) / seconds:7.1f} req/s  p50 {p50:6.1f} ms  "
        f"p95 {p95:6.1f} ms  p99 {p99:6.1f} ms  errors {rate * 100:5.2f} %  {verdict}{sample}"
    )
    return text, met


JOURNEY = ("search", "detail", "health", "agent task")
BARE, BARE_SATURATED = "bare /ping", "bare saturated"
# (class, path, paced with the journey's think time?)
BASELINES = [
    (BARE, "/ping", True),
    ("/health alone", "/health", True),
    (BARE_SATURATED, "/ping", False),
]


def _callbacks(
    cc: CommandCenter, stats: Stats, sent: dict[str, float]
) -> tuple[int, list[float], int]:
    """(accepted, accept→callback latencies in ms, callbacks reporting success), waiting a few
    seconds for the last callbacks of the run."""
    accepted = len(stats.ok["agent task"])
    deadline = time.monotonic() + 15
    arrived: dict[str, Any] = {}
    while time.monotonic() < deadline:
        arrived = {str(r.body.get("task_id")): r for r in cc.of_kind("callback")}
        if sum(1 for t in sent if t in arrived) >= accepted:
            break
        time.sleep(0.2)
    latencies = [(arrived[t].at - at) * 1000 for t, at in sent.items() if t in arrived]
    succeeded = sum(
        1 for t in sent if t in arrived and arrived[t].body.get("status") == "succeeded"
    )
    return accepted, latencies, succeeded


def _figures(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {statistics.median(values):6.1f} ms  p95 {_pct(values, 95):6.1f} ms  "
        f"p99 {_pct(values, 99):6.1f} ms"
    )


def _report(
    baselines: list[tuple[str, Stats, float]],
    stats: Stats,
    seconds: float,
    callbacks: tuple[int, list[float], int],
) -> bool:
    print(
        f"-- baseline, same server and client, {STUDENTS} virtual students with the journey's "
        "think time (saturated: back to back) --"
    )
    for name, baseline, elapsed in baselines:
        print(_line(name, baseline, elapsed, slo=False)[0])
    by_name = {name: (baseline, elapsed) for name, baseline, elapsed in baselines}
    print(f"-- journey, {seconds:.1f} s --")
    verdicts = []
    for name in JOURNEY:
        text, met = _line(name, stats, seconds, slo=True)
        print(text)
        verdicts.append(met)
    non_ai = [ms for name in JOURNEY for ms in stats.ok[name]]
    total = sum(stats.count(n) for n in JOURNEY)
    overall_rate = sum(stats.errors[n] for n in JOURNEY) / total if total else 1.0
    overall_p95 = _pct(non_ai, 95) if non_ai else float("inf")
    print(
        f"{'all non-AI':<14} {total / seconds:7.1f} req/s  {_figures(non_ai)}  "
        f"errors {overall_rate * 100:5.2f} %"
    )
    accepted, e2e, succeeded = callbacks
    print(
        f"{'accept→callback':<14} {len(e2e)}/{accepted} delivered ({succeeded} succeeded)  "
        f"{_figures(e2e)}"
    )
    bare, _ = by_name[BARE]
    saturated, saturated_s = by_name[BARE_SATURATED]
    capacity = saturated.count(BARE_SATURATED) / saturated_s
    if bare.ok[BARE] and non_ai and capacity:
        print(
            f"against the baseline: journey p50 {statistics.median(non_ai) / statistics.median(bare.ok[BARE]):.1f}x "
            f"and p95 {overall_p95 / _pct(bare.ok[BARE], 95):.1f}x the bare request's at the same "
            f"pace; offered load {total / seconds:.0f} req/s = {total / seconds / capacity * 100:.0f} % "
            f"of the bare loop's capacity ({capacity:.0f} req/s)"
        )
    print(
        f"SLO (seed §10): p95 ≤ {SLO_P95_MS:.0f} ms for non-AI requests, "
        f"error rate < {SLO_ERROR_RATE * 100:.1f} %"
    )
    missing = accepted - len(e2e)
    passed = (
        all(verdicts)
        and overall_p95 <= SLO_P95_MS
        and overall_rate < SLO_ERROR_RATE
        and missing == 0
        and succeeded == accepted
    )
    problems = [] if missing == 0 else [f"{missing} callbacks missing"]
    if succeeded != len(e2e):
        problems.append(f"{len(e2e) - succeeded} tasks did not succeed")
    print(
        "verdict: "
        + ("SLOs met" if passed else "SLOs MISSED")
        + (f" ({'; '.join(problems)})" if problems else "")
    )
    return passed


def main() -> None:
    print(
        f"== load: scaled-out prod mode (2 Granian workers, Redis state, PostgreSQL), "
        f"{STUDENTS} students for {SECONDS:.0f} s + {TASKS_PER_SECOND:g} agent tasks/s =="
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-load-"))
    db_url = _create_database()
    proc: subprocess.Popen[bytes] | None = None
    cc_server: uvicorn.Server | None = None
    try:
        redis.Redis.from_url(REDIS_URL).flushdb()
        ids, students = _prepare(db_url)
        cc = CommandCenter(SECRET)
        cc_url, cc_server = _start_cc(cc)
        reply_to = f"{cc_url}/orchestrator/tasks/callback"
        env = {
            "DATABASE_URL": db_url,
            "REFLEX_REDIS_URL": REDIS_URL,
            "GRANIAN_WORKERS": "2",
            "SHARED_SECRET": SECRET,
            "COMMAND_CENTER_URL": cc_url,
            "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
            "AGENT_RATE_LIMIT_PER_MINUTE": "100000000",
            "LOG_LEVEL": "WARNING",
        }
        started = time.monotonic()
        url, proc = _start_app(env, tmp / "reflex.log")
        print(f"app ready in {time.monotonic() - started:.0f} s (log: {tmp / 'reflex.log'})")

        # Warm both workers (connections, caches) before measuring anything.
        asyncio.run(_baseline(url, "warm-up", "/api/scholarships", 2.0, paced=False))
        asyncio.run(_baseline(url, "warm-up", "/health", 1.0, paced=False))
        baselines = [
            (name, *asyncio.run(_baseline(url, name, path, BASELINE_SECONDS, paced=paced)))
            for name, path, paced in BASELINES
        ]
        stats, seconds, sent = asyncio.run(_journey(url, ids, students, reply_to))

        _report(baselines, stats, seconds, _callbacks(cc, stats, sent))
    finally:
        if proc is not None:
            _stop_app(proc)
        if cc_server is not None:
            cc_server.should_exit = True
        from scholarlink.core.db import reset_engine

        reset_engine()
        _drop_database(db_url)


if __name__ == "__main__":
    main()
