"""Hundreds of students on the Reflex websocket (issue 16), beside a bare counter app.

Each virtual student is a socket.io client that does what a browser tab does: it connects with
the session cookie and hydrates the dashboard (its `on_load`), then, with think time between
actions, opens the matches page, bookmarks a match, dismisses one and undoes it, opens a
scholarship, opens its essay, saves it and runs the local "analyse" tool (no model call), and goes
back to the dashboard. The bare counter app (bench/counter_app) runs under the same client, at
the same concurrency and think time: a page load (`on_load`) and increments.

Both apps run on each mode, as `reflex run --env prod --backend-only` (the websocket is the
backend's; the compiled frontend plays no part in an event's round trip):
- scaled: several Granian workers, Reflex state in Redis, PostgreSQL, and the agent as deployed:
  the task worker as its own process (`scholarlink worker`) and an intake process of its own
  that the Command Center posts to (the probe's tasks are split between it and the web
  workers' intake, each reported);
- embedded: the default, one worker, state in memory, SQLite.

Per step (concurrent students): event round trip p50/p95/p99 (emit → the update that answers
it; a page load → `is_hydrated`), events/s, errors, RSS per worker, Reflex state bytes per
student in Redis, database queries per event (from /metrics), the ratio to the counter at the
same concurrency, and `POST /agent/task` acceptance beside Reflex's bare `/ping` on the same
server, probed while the websocket load runs.

Environment: BENCH_WS_STEPS (25,50,100,200), BENCH_WS_SECONDS (60 per step), BENCH_WS_THINK
(3,8 seconds), BENCH_WS_MODES (scaled,embedded), BENCH_WS_WORKERS (4), BENCH_WS_PROBE_RATE
(agent tasks per second, 4), BENCH_WS_CLIENTS (client processes the students are shared out
to, 4), BENCH_POSTGRES_URL, BENCH_REDIS_URL (two databases from its number).
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import os
import queue
import random
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import redis
import socketio

from bench.load import _create_database, _drop_database, _free_port, _pct, _start_cc
from scholarlink.agent.simulator import CommandCenter, sign_task_token, task_body

ROOT = Path(__file__).resolve().parent.parent
COUNTER_ROOT = Path(__file__).resolve().parent / "counter_app"
SECRET = "bench-ws-secret-" + "x" * 32
STEPS = [int(n) for n in os.environ.get("BENCH_WS_STEPS", "25,50,100,200").split(",")]
SECONDS = float(os.environ.get("BENCH_WS_SECONDS", "60"))
THINK = tuple(float(x) for x in os.environ.get("BENCH_WS_THINK", "3,8").split(","))
MODES = os.environ.get("BENCH_WS_MODES", "scaled,embedded").split(",")
# Four web workers on this machine's two cores: the density of the Kubernetes manifests (one
# worker per pod, half a core each); Reflex's own default with Redis would be 2 x cores + 1.
WORKERS = int(os.environ.get("BENCH_WS_WORKERS", "4"))
PROBE_RATE = float(os.environ.get("BENCH_WS_PROBE_RATE", "4"))
# The virtual students run in this many client processes (threads within each), and each agent
# probe in a process of its own: browser tabs share no interpreter, and in one client process
# the replies to hundreds of sockets (and the probe's) queued for its one GIL, a wait that was
# counted in every round trip.
CLIENTS = int(os.environ.get("BENCH_WS_CLIENTS", "4"))
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/9")
EVENT_TIMEOUT = 30.0
GOAL_P95_MS, GOAL_RATIO, GOAL_RSS_MB, GOAL_STATE_KB, GOAL_AGENT_P99_MS = 150, 3.0, 300, 50, 25
ROOT_STATE = "reflex___state____state"
HYDRATE = f"{ROOT_STATE}.hydrate_and_load"
ON_LOAD = f"{ROOT_STATE}.reflex___state____on_load_internal_state.on_load_internal"
ESSAY_TEXT = (
    "When our town's clinic closed in 2023 I organised a volunteer rota that drove forty "
    "neighbours to appointments every week. I learned to plan, to listen and to ask for help. "
) * 6


def _redis_db(url: str, offset: int) -> str:
    base, number = url.rsplit("/", 1)
    return f"{base}/{int(number) + offset}"


# -- the systems under test ----------------------------------------------------------------


@dataclass
class Server:
    name: str
    url: str
    proc: subprocess.Popen[bytes]
    log: Path
    redis_url: str | None

    def processes(self) -> list[Any]:
        """The server's worker processes (the ones that hold a listening socket's work)."""
        import psutil

        try:
            top = psutil.Process(self.proc.pid)
            tree = [top, *top.children(recursive=True)]
        except psutil.NoSuchProcess:
            return []
        # Granian's workers are the leaves of the tree; with one worker it may be the only one.
        leaves = [p for p in tree if not p.children()]
        return leaves or tree

    def cpu_seconds(self) -> float:
        """CPU time (user + system) used so far by the server's whole process tree."""
        import psutil

        total = 0.0
        try:
            top = psutil.Process(self.proc.pid)
            for p in [top, *top.children(recursive=True)]:
                with contextlib.suppress(psutil.Error):
                    t = p.cpu_times()
                    total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
        return total

    def rss_mb(self) -> list[float]:
        out = []
        for p in self.processes():
            with contextlib.suppress(Exception):
                out.append(p.memory_info().rss / 2**20)
        return out


def _start(name: str, cwd: Path, env: dict[str, str], log: Path, redis_url: str | None) -> Server:
    port = _free_port()
    bun = ROOT / ".tools" / "bun" / "node_modules" / ".bin" / "bun"
    url = f"http://127.0.0.1:{port}"
    full_env = {
        **os.environ,
        "REFLEX_TELEMETRY_ENABLED": "false",
        "REFLEX_CHECK_LATEST_VERSION": "false",
        **({"REFLEX_BUN_PATH": str(bun)} if bun.exists() else {}),
        "APP_URL": url,
        "REFLEX_API_URL": url,
        "LOG_LEVEL": "WARNING",
        **env,
    }
    if redis_url:
        full_env["REFLEX_REDIS_URL"] = redis_url
    else:
        full_env.pop("REFLEX_REDIS_URL", None)
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "reflex",
                "run",
                "--env",
                "prod",
                "--backend-only",
                "--backend-port",
                str(port),
                "--backend-host",
                "127.0.0.1",
            ],
            cwd=cwd,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    server = Server(name, url, proc, log, redis_url)
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited with {proc.returncode}; see {log}")
        try:
            if httpx.get(f"{url}/ping", timeout=2).status_code == 200:
                return server
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    _stop(server)
    raise RuntimeError(f"{name} did not start; see {log}")


def _start_worker(env: dict[str, str], log: Path) -> Server:
    """`scholarlink worker`: the agent task worker and outbox dispatcher as their own process."""
    script = Path(sys.executable).with_name("scholarlink")
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [str(script), "worker"],
            cwd=ROOT,
            env={**env, "LOG_LEVEL": "WARNING"},
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    time.sleep(2)
    if proc.poll() is not None:
        raise RuntimeError(f"the task worker exited with {proc.returncode}; see {log}")
    return Server("task worker", "", proc, log, None)


def _stop(server: Server) -> None:
    proc = server.proc
    if proc.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)


@dataclass(frozen=True)
class Student:
    token: str
    public_id: str
    essay_id: int


def _prepare(db_url: str, count: int) -> tuple[list[Student], list[int]]:
    """Migrate, load the catalogue, and seed `count` students (profile, matches computed, one
    essay, credits for the essay tool, a live session). Returns them and the scholarship ids."""
    from sqlmodel import select

    from scholarlink.core.db import reset_engine, session_scope
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.models import Scholarship, User
    from scholarlink.services import auth, credits, essays, matches, profiles
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue

    os.environ["DATABASE_URL"] = db_url
    reset_settings_cache()
    reset_engine()
    from scholarlink.migrations import upgrade_to_head

    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
    students = []
    rng = random.Random(16)
    for i in range(count):
        public_id = f"ws-{i:03d}-{uuid.uuid4().hex[:6]}"
        with session_scope() as s:
            user = User(public_id=public_id, email=f"{public_id}@example.org", display_name="Sam")
            s.add(user)
            s.flush()
            assert user.id is not None
            user_id = user.id
            profiles.update_profile(
                s,
                user_id=user_id,
                changes=profiles.parse_profile_input(
                    {
                        "gpa": round(rng.uniform(2.8, 4.0), 2),
                        "major": rng.choice(["Biology", "Nursing", "Computer Science", "History"]),
                        "academicLevel": "undergraduate",
                        "citizenship": "us_citizen",
                        "state": rng.choice(["CA", "TX", "NY", "OH"]),
                    }
                ),
            )
            credits.post_entry(
                s,
                user_id=user_id,
                amount=1_000_000 * credits.MILLI,
                kind="grant",
                reference=f"bench-ws:{user_id}",
                description="Benchmark credits",
            )
            essay = essays.create_essay(
                s, user_id=user_id, title="Why this scholarship", content=ESSAY_TEXT
            )
            grant = auth.start_session(s, user_id=user_id)
            students.append(Student(grant.token, public_id, essay.id or 0))
        matches.refresh_matches(user_id=user_id)
    with session_scope() as s:
        ids = [i for i in s.exec(select(Scholarship.id).where(Scholarship.is_active)) if i]
    reset_engine()
    return students, ids


# -- a browser tab ---------------------------------------------------------------------------


class EventFailed(Exception):
    pass


Delta = dict[str, dict[str, Any]]


def _var(delta: Delta, state: str, name: str, default: Any = None) -> Any:
    return delta.get(state, {}).get(f"{name}_rx_state_", default)


def _hydrated(delta: Delta) -> bool:
    return _var(delta, ROOT_STATE, "is_hydrated") is True


def _any(_: Delta) -> bool:
    return True


class Tab:
    """One socket.io connection, as the browser's: the events it sends carry the page's router
    data, and it keeps the merged state the updates describe."""

    def __init__(self, url: str, cookie: str | None) -> None:
        self.url = url
        self.cookie = cookie
        self.path = "/"
        self.updates: queue.Queue[Delta] = queue.Queue()
        self.state: dict[str, dict[str, Any]] = defaultdict(dict)
        self.client = socketio.Client(
            reconnection=False, websocket_extra_options={"origin": url, "suppress_origin": False}
        )
        self.client.on("event", self._on_update, namespace="/_event")

    def _on_update(self, update: dict[str, Any]) -> None:
        delta = update.get("delta") or {}
        for state, changes in delta.items():
            self.state[state].update(changes)
        for event in update.get("events") or []:
            if event.get("name") == "_redirect" and "sign-in" in str(event.get("payload")):
                delta = {"__error__": {"message": "redirected to sign in"}}
        self.updates.put(delta)

    def get(self, state: str, name: str, default: Any = None) -> Any:
        return self.state.get(state, {}).get(f"{name}_rx_state_", default)

    def _router(self, path: str) -> dict[str, Any]:
        query = {}
        if m := re.match(r"^/scholarships/(\d+)$", path):
            query["sid"] = m.group(1)
        if m := re.match(r"^/essays/(\d+)$", path):
            query["eid"] = m.group(1)
        return {"pathname": path, "asPath": path, "query": query}

    def _wait(self, until: Callable[[Delta], bool], started: float) -> float:
        deadline = started + EVENT_TIMEOUT
        while True:
            left = deadline - time.perf_counter()
            if left <= 0:
                raise EventFailed("timeout")
            try:
                delta = self.updates.get(timeout=left)
            except queue.Empty:
                raise EventFailed("timeout") from None
            if "__error__" in delta:
                raise EventFailed(delta["__error__"]["message"])
            if until(delta):
                return (time.perf_counter() - started) * 1000

    def open(self, path: str, hashes: list[str] | None = None) -> float:
        """Connect on `path`: the hydrate rides in the CONNECT packet, as the browser's does; done
        when the page's on_load handlers have run (is_hydrated). `hashes`: those of the state
        the compiled page starts with, which a browser sends on its first hydrate (the backend
        then sends only the vars that differ from it)."""
        self.path = path
        payload = {"hashes": hashes} if hashes else {}
        boot = {"name": HYDRATE, "payload": payload, "router_data": self._router(path)}
        started = time.perf_counter()
        try:
            self.client.connect(
                f"{self.url}?token={uuid.uuid4()}",
                socketio_path="/_event",
                namespaces=["/_event"],
                transports=["websocket"],
                headers={"Cookie": self.cookie} if self.cookie else {},
                auth={"event": boot},
                wait_timeout=EVENT_TIMEOUT,
            )
        except socketio.exceptions.ConnectionError as exc:
            raise EventFailed(f"connect: {exc}") from exc
        return self._wait(_hydrated, started)

    def send(
        self,
        name: str,
        payload: dict[str, Any] | None = None,
        until: Callable[[Delta], bool] = _any,
    ) -> float:
        while not self.updates.empty():  # late updates of an earlier event
            self.updates.get_nowait()
        started = time.perf_counter()
        self.client.emit(
            "event",
            {"name": name, "payload": payload or {}, "router_data": self._router(self.path)},
            namespace="/_event",
        )
        return self._wait(until, started)

    def navigate(self, path: str) -> float:
        """A client-side navigation: the router's on_load event for the new page."""
        self.path = path
        return self.send(ON_LOAD, until=_hydrated)

    def wait(self, until: Callable[[Delta], bool]) -> float:
        return self._wait(until, time.perf_counter())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.client.disconnect()


# -- the journeys ----------------------------------------------------------------------------


@dataclass
class Stats:
    ms: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    samples: dict[str, str] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def run(self, kind: str, action: Callable[[], float]) -> bool:
        try:
            ms = action()
        except EventFailed as exc:
            with self.lock:
                self.errors[kind] += 1
                self.samples.setdefault(kind, str(exc))
            return False
        with self.lock:
            self.ms[kind].append(ms)
        return True

    def parts(self) -> tuple[dict[str, list[float]], dict[str, int], dict[str, str]]:
        """What a client process sends back (the lock stays behind)."""
        return dict(self.ms), dict(self.errors), dict(self.samples)

    def merge(self, parts: tuple[dict[str, list[float]], dict[str, int], dict[str, str]]) -> None:
        ms, errors, samples = parts
        for kind, values in ms.items():
            self.ms[kind].extend(values)
        for kind, count in errors.items():
            self.errors[kind] += count
        for kind, sample in samples.items():
            self.samples.setdefault(kind, sample)

    def all_ms(self, exclude: tuple[str, ...] = ()) -> list[float]:
        return [v for k, values in self.ms.items() if k not in exclude for v in values]

    def events(self) -> int:
        return sum(len(v) for v in self.ms.values())

    def error_count(self) -> int:
        return sum(self.errors.values())


class Names:
    """The ScholarLink states' full names, as the frontend addresses them."""

    def __init__(self) -> None:
        from scholarlink.pages.dashboard import DashboardState
        from scholarlink.pages.essay_editor import EssayEditorState
        from scholarlink.pages.matches import MatchesState
        from scholarlink.pages.scholarship import DetailState

        self.dashboard = DashboardState.get_full_name()
        self.hashes: list[str] = []  # set by the run: _initial_hashes
        self.matches = MatchesState.get_full_name()
        self.detail = DetailState.get_full_name()
        self.editor = EssayEditorState.get_full_name()


_HASHES = """
import asyncio, importlib, json, sys
from reflex.istate.delta import _resolve_delta
from reflex.state import State, state_snapshot_hashes
importlib.import_module(sys.argv[1])
snapshot = asyncio.run(_resolve_delta(State(_reflex_internal_init=True).dict(initial=True)))
print(json.dumps(state_snapshot_hashes(snapshot)))
"""


def _initial_hashes(root: Path, module: str) -> list[str]:
    """The hashes of an app's default state, as its compiled frontend holds them and a browser
    sends them on its first hydrate (the backend then sends only the vars that differ): the app
    imported in a process of its own (every page, so every state) and its default snapshot
    hashed as Reflex hashes it. Where a state's hash differs, the backend sends it whole."""
    found = subprocess.run(
        [sys.executable, "-c", _HASHES, module],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        check=True,
    )
    return [str(h) for h in json.loads(found.stdout.strip().splitlines()[-1])]


def _think(rng: random.Random, stop: float) -> bool:
    time.sleep(min(rng.uniform(*THINK), max(0.0, stop - time.monotonic())))
    return time.monotonic() < stop


def _student_journey(
    url: str, student: Student, names: Names, ids: list[int], stats: Stats, seed: int, stop: float
) -> None:
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, THINK[1]))  # students arrive spread over a think time
    tab = Tab(url, f"scholarlink_session={student.token}")
    m, ed = names.matches, names.editor
    try:
        if not stats.run("open dashboard", lambda: tab.open("/dashboard", names.hashes)):
            return
        while _think(rng, stop):
            stats.run("page: matches", lambda: tab.navigate("/matches"))
            items = tab.get(m, "items") or []
            if not items and _think(rng, stop):
                # Nothing is a sure match yet: the student looks at the possible ones.
                stats.run("matches view", lambda: tab.send(f"{m}.set_view", {"value": "possible"}))
                items = tab.get(m, "items") or []
            if items and _think(rng, stop):
                pick = rng.choice(items)
                stats.run(
                    "bookmark",
                    lambda p=pick: tab.send(
                        f"{m}.toggle_bookmark",
                        {"match_id": p["id"], "value": not p["bookmarked"]},
                    ),
                )
            if items and _think(rng, stop):
                pick = rng.choice(items)
                stats.run(
                    "dismiss", lambda p=pick: tab.send(f"{m}.ask_dismiss", {"match_id": p["id"]})
                )
                stats.run("dismiss", lambda: tab.send(f"{m}.confirm_dismiss"))
                if _think(rng, stop):
                    stats.run(
                        "dismiss",
                        lambda p=pick: tab.send(f"{m}.undo_dismiss", {"match_id": p["id"]}),
                    )
            if not _think(rng, stop):
                break
            sid = rng.choice([i["scholarship_id"] for i in items] if items else ids)
            stats.run("page: scholarship", lambda s=sid: tab.navigate(f"/scholarships/{s}"))
            if not _think(rng, stop):
                break
            stats.run("page: essay", lambda: tab.navigate(f"/essays/{student.essay_id}"))
            if _think(rng, stop):
                text = ESSAY_TEXT + f" Draft {rng.randint(1, 10**6)}."
                stats.run("essay save", lambda t=text: tab.send(f"{ed}.autosave", {"value": t}))
            if _think(rng, stop):

                def run_tool() -> float:
                    started = time.perf_counter()
                    first = tab.send(f"{ed}.run_tool")
                    if tab.get(ed, "running") is not False:
                        tab.wait(lambda d: _var(d, ed, "running") is False)
                    if tab.get(ed, "error"):
                        raise EventFailed(f"tool: {tab.get(ed, 'error')}")
                    with stats.lock:
                        stats.ms["essay tool (to result)"].append(
                            (time.perf_counter() - started) * 1000
                        )
                    return first

                stats.run("essay tool", run_tool)
            if not _think(rng, stop):
                break
            stats.run("page: dashboard", lambda: tab.navigate("/dashboard"))
    finally:
        tab.close()


def _counter_journey(
    url: str, counter: str, hashes: list[str], stats: Stats, seed: int, stop: float
) -> None:
    rng = random.Random(seed)
    time.sleep(rng.uniform(0, THINK[1]))
    tab = Tab(url, None)
    try:
        if not stats.run("open page", lambda: tab.open("/", hashes)):
            return
        n = 0
        while _think(rng, stop):
            n += 1
            if n % 4 == 0:
                stats.run("page: counter", lambda: tab.navigate("/"))
            else:
                stats.run("increment", lambda: tab.send(f"{counter}.increment"))
    finally:
        tab.close()


def _counter_state(url: str) -> str:
    tab = Tab(url, None)
    try:
        tab.open("/")
        return next(s for s in tab.state if s.endswith("counter_state"))
    finally:
        tab.close()


# -- what the servers say --------------------------------------------------------------------


def _queries(server: Server) -> float:
    """Database statements run so far, summed over the workers (/metrics)."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    return sum(
        float(m.group(1))
        for m in re.finditer(r"^db_query_duration_seconds_count(?:\{[^}]*\})? (\S+)$", text, re.M)
    )


def _full_gc(server: Server) -> tuple[float, float]:
    """(full garbage collections so far, seconds they stopped a worker), summed over the
    workers (/metrics, python_gc_pause_seconds of the oldest generation)."""
    text = httpx.get(f"{server.url}/metrics", timeout=10).text
    found = {
        kind: sum(
            float(v)
            for v in re.findall(
                rf'^python_gc_pause_seconds_{kind}\{{generation="2"\}} (\S+)$', text, re.M
            )
        )
        for kind in ("count", "sum")
    }
    return found["count"], found["sum"]


def _state_bytes(server: Server) -> tuple[float, int]:
    """(bytes of Reflex state per client token in Redis, tokens)."""
    if not server.redis_url:
        return 0.0, 0
    r = redis.Redis.from_url(server.redis_url)
    per_token: dict[str, int] = defaultdict(int)
    for key in r.scan_iter(count=1000):
        name = key.decode(errors="replace")
        kind = r.type(key).decode()
        if kind == "string":
            size = int(r.strlen(key))
        elif kind == "hash":
            size = sum(int(r.hstrlen(key, f)) + len(f) for f in r.hkeys(key))
        else:
            continue
        token = name.split("_", 1)[0]
        if re.fullmatch(r"[0-9a-f-]{36}", token):
            per_token[token] += size
    if not per_token:
        return 0.0, 0
    return statistics.mean(per_token.values()), len(per_token)


@dataclass
class Probe:
    task: list[float] = field(default_factory=list)
    bare: list[float] = field(default_factory=list)
    errors: int = 0


def _probe(
    url: str,
    students: list[Student],
    stop: float,
    reply_to: str,
    rate: float = PROBE_RATE,
    start_at: float = 0.0,
) -> Probe:
    """POST /agent/task at a steady rate, each followed by Reflex's bare /ping, sequentially
    (from `start_at` until `stop`, monotonic clock)."""
    out = Probe()
    rng = random.Random(4)
    interval = 1 / rate
    time.sleep(max(0.0, start_at - time.monotonic()))
    with httpx.Client(base_url=url, timeout=30) as client:
        next_at = time.monotonic()
        while next_at < stop:
            time.sleep(max(0.0, next_at - time.monotonic()))
            body = task_body(
                "student_pilot.get_profile",
                {"studentId": rng.choice(students).public_id},
                reply_to=reply_to,
            )
            started = time.perf_counter()
            try:
                r = client.post(
                    "/agent/task",
                    json=body,
                    headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
                )
                ok = r.status_code == 202
            except httpx.HTTPError:
                ok = False
            if ok:
                out.task.append((time.perf_counter() - started) * 1000)
            else:
                out.errors += 1
            started = time.perf_counter()
            with contextlib.suppress(httpx.HTTPError):
                if client.get("/ping").status_code == 200:
                    out.bare.append((time.perf_counter() - started) * 1000)
            next_at += interval
    return out


# -- steps -----------------------------------------------------------------------------------


@dataclass
class Step:
    students: int
    stats: Stats
    seconds: float
    rss: list[float]
    state_bytes: float = 0.0
    tokens: int = 0
    queries_per_event: float | None = None
    full_gc: tuple[float, float] = (0.0, 0.0)  # full collections in the step, seconds paused
    probe: Probe | None = None  # intake where the Command Center is sent (see _run_mode)
    web_probe: Probe | None = None  # intake on the web workers, when the above is elsewhere
    cpu: dict[str, float] = field(default_factory=dict)  # CPU seconds used during the step


def _cpu_now(server: Server, agent: list[Server] | None = None) -> dict[str, float]:
    """CPU seconds so far: the server, the agent's own processes (intake, task worker) when
    they run apart, PostgreSQL and Redis (whole machine), this client."""
    import psutil

    out = {"server": server.cpu_seconds(), "postgres": 0.0, "redis": 0.0}
    if agent:
        out["agent"] = sum(a.cpu_seconds() for a in agent)
    for p in psutil.process_iter(["name", "cpu_times"]):
        name, times = p.info["name"] or "", p.info["cpu_times"]
        if times is None:
            continue
        for kind in ("postgres", "redis"):
            if name.startswith(kind):
                out[kind] += times.user + times.system
    out["client"] = 0.0
    for pid in (os.getpid(), *CLIENT_PIDS):
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            out["client"] += t.user + t.system
    return out


def _cpu_used(
    before: dict[str, float], server: Server, agent: list[Server] | None = None
) -> dict[str, float]:
    after = _cpu_now(server, agent)
    return {k: after[k] - before[k] for k in before}


def _run_threads(targets: list[Callable[[], None]]) -> None:
    threads = [threading.Thread(target=t, daemon=True) for t in targets]
    for t in threads:
        t.start()
    for t in threads:
        t.join(SECONDS + EVENT_TIMEOUT * 4)


def _student_group(
    url: str,
    group: list[tuple[int, Student]],
    names: Names,
    ids: list[int],
    start_at: float,
    stop: float,
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, str]]:
    """In a client process: these students' journeys, one thread each."""
    stats = Stats()
    time.sleep(max(0.0, start_at - time.monotonic()))
    _run_threads(
        [
            lambda i=i, st=st: _student_journey(url, st, names, ids, stats, 1000 + i, stop)
            for i, st in group
        ]
    )
    return stats.parts()


def _counter_group(
    url: str, counter: str, hashes: list[str], seeds: list[int], start_at: float, stop: float
) -> tuple[dict[str, list[float]], dict[str, int], dict[str, str]]:
    """In a client process: these counter journeys, one thread each."""
    stats = Stats()
    time.sleep(max(0.0, start_at - time.monotonic()))
    _run_threads(
        [lambda i=i: _counter_journey(url, counter, hashes, stats, i, stop) for i in seeds]
    )
    return stats.parts()


CLIENT_PIDS: list[int] = []  # the client processes, whose CPU is the client's


def _warm(_: int) -> int:
    time.sleep(1)
    return os.getpid()


def _client_pool() -> ProcessPoolExecutor:
    """The client processes (and two for the agent probes), started before any step."""
    pool = ProcessPoolExecutor(
        max_workers=CLIENTS + 2, mp_context=multiprocessing.get_context("spawn")
    )
    CLIENT_PIDS[:] = sorted(set(pool.map(_warm, range(CLIENTS + 2))))
    return pool


def _split(items: list[Any]) -> list[list[Any]]:
    return [g for g in (items[k::CLIENTS] for k in range(CLIENTS)) if g]


def _collect(stats: Stats, futures: list[Future[Any]]) -> None:
    for f in futures:
        stats.merge(f.result(timeout=SECONDS + EVENT_TIMEOUT * 6))


def _sample_rss(server: Server, stop: float, out: list[list[float]]) -> None:
    while time.monotonic() < stop:
        out.append(server.rss_mb())
        time.sleep(2)


def _peak(samples: list[list[float]]) -> list[float]:
    if not samples:
        return []
    width = max(len(s) for s in samples)
    return [max(s[i] for s in samples if len(s) > i) for i in range(width)]


def _counter_step(
    pool: ProcessPoolExecutor, server: Server, counter: str, hashes: list[str], n: int
) -> Step:
    stats = Stats()
    started = time.monotonic() + 2  # the client processes get their work first
    stop = started + SECONDS
    futures = [
        pool.submit(_counter_group, server.url, counter, hashes, seeds, started, stop)
        for seeds in _split(list(range(n)))
    ]
    time.sleep(max(0.0, started - time.monotonic()))
    rss: list[list[float]] = []
    sampler = threading.Thread(target=_sample_rss, args=(server, stop, rss), daemon=True)
    sampler.start()
    cpu = _cpu_now(server)
    _collect(stats, futures)
    step = Step(n, stats, time.monotonic() - started, _peak(rss), cpu=_cpu_used(cpu, server))
    step.state_bytes, step.tokens = _state_bytes(server)
    return step


def _app_step(
    pool: ProcessPoolExecutor,
    server: Server,
    names: Names,
    students: list[Student],
    ids: list[int],
    n: int,
    reply_to: str,
    queries_per_task: float,
    idle_rate: float,
    agent: list[Server],
) -> Step:
    """`agent`: the agent's own processes (intake first, then the task worker); when there is
    an intake apart, the probe's tasks are split between it and the web workers' own intake."""
    stats = Stats()
    started = time.monotonic() + 2  # the client processes get their work first
    stop = started + SECONDS
    intake = next((a for a in agent if a.name == "agent intake"), None)
    rate = PROBE_RATE / 2 if intake else PROBE_RATE
    probe = pool.submit(_probe, (intake or server).url, students, stop, reply_to, rate, started)
    web_probe = (
        pool.submit(_probe, server.url, students, stop, reply_to, rate, started) if intake else None
    )
    futures = [
        pool.submit(_student_group, server.url, group, names, ids, started, stop)
        for group in _split(list(enumerate(students[:n])))
    ]
    time.sleep(max(0.0, started - time.monotonic()))
    before, gc_before = _queries(server), _full_gc(server)
    rss: list[list[float]] = []
    sampler = threading.Thread(target=_sample_rss, args=(server, stop, rss), daemon=True)
    sampler.start()
    cpu = _cpu_now(server, agent)
    _collect(stats, futures)
    used = _cpu_used(cpu, server, agent)
    probe_out = [probe.result(timeout=EVENT_TIMEOUT * 2)]
    web_out = [web_probe.result(timeout=EVENT_TIMEOUT * 2)] if web_probe else []
    step = Step(n, stats, time.monotonic() - started, _peak(rss), cpu=used)
    step.state_bytes, step.tokens = _state_bytes(server)
    gc_after = _full_gc(server)
    step.full_gc = (gc_after[0] - gc_before[0], gc_after[1] - gc_before[1])
    step.probe = probe_out[0]
    step.web_probe = web_out[0] if web_out else None
    tasks = sum(len(p.task) for p in (*probe_out, *web_out))
    events = stats.events() + stats.error_count()
    if events:
        step.queries_per_event = max(
            0.0,
            (_queries(server) - before - tasks * queries_per_task - idle_rate * step.seconds)
            / events,
        )
    return step


# -- report ----------------------------------------------------------------------------------


def _fig(values: list[float]) -> str:
    if not values:
        return "no samples"
    return (
        f"p50 {statistics.median(values):6.1f}  p95 {_pct(values, 95):6.1f}  "
        f"p99 {_pct(values, 99):6.1f} ms"
    )


def _report(mode: str, app: Step, counter: Step) -> None:
    a, c = app.stats.all_ms(exclude=("essay tool (to result)",)), counter.stats.all_ms()
    print(f"-- {mode}: {app.students} students, {app.seconds:.0f} s --")
    for kind in sorted(app.stats.ms.keys() | app.stats.errors.keys()):
        sample = f"  e.g. {app.stats.samples[kind]}" if kind in app.stats.samples else ""
        print(
            f"   {kind:<24} n {len(app.stats.ms[kind]):5d}  {_fig(app.stats.ms[kind])}  "
            f"errors {app.stats.errors[kind]}{sample}"
        )
    rss = " / ".join(f"{x:.0f}" for x in app.rss) or "?"
    state = f"{app.state_bytes / 1024:.1f} KB x {app.tokens} tabs" if app.tokens else "in memory"
    qpe = f"{app.queries_per_event:.1f}" if app.queries_per_event is not None else "?"
    print(
        f"   {'ScholarLink, all events':<24} {len(a) / app.seconds:6.1f} ev/s  {_fig(a)}  "
        f"errors {app.stats.error_count()}  RSS/worker {rss} MB  state {state}  "
        f"DB queries/event {qpe}  full GC {app.full_gc[0]:.0f} x, {app.full_gc[1] * 1000:.0f} ms in all"
    )
    crss = " / ".join(f"{x:.0f}" for x in counter.rss) or "?"
    cstate = (
        f"{counter.state_bytes / 1024:.1f} KB x {counter.tokens} tabs"
        if counter.tokens
        else "in memory"
    )
    print(
        f"   {'bare counter, all events':<24} {len(c) / counter.seconds:6.1f} ev/s  {_fig(c)}  "
        f"errors {counter.stats.error_count()}  RSS/worker {crss} MB  state {cstate}"
    )
    # A first connect (handshake, the whole state hydrated, then the page's load) beside a page
    # load on an open socket, in each app: how much of a connect is the app's own.
    print(
        "   counter by kind: "
        + "; ".join(
            f"{kind} n {len(ms)} p50 {statistics.median(ms):.1f} p95 {_pct(ms, 95):.1f} ms"
            for kind, ms in sorted(counter.stats.ms.items())
            if ms
        )
    )
    for name, step, events in (("ScholarLink", app, len(a)), ("counter", counter, len(c))):
        if step.cpu and events:
            cores = sum(step.cpu.values()) / step.seconds
            print(
                f"   CPU during the {name} step: "
                + ", ".join(f"{k} {v / step.seconds:.2f}" for k, v in step.cpu.items())
                + f" cores (all {cores:.2f} of {os.cpu_count()}); server "
                f"{step.cpu['server'] * 1000 / events:.1f} ms + PostgreSQL "
                f"{step.cpu['postgres'] * 1000 / events:.1f} ms a event"
            )
    if a and c:
        print(
            f"   ratio to the counter: p50 {statistics.median(a) / statistics.median(c):.1f}x  "
            f"p95 {_pct(a, 95) / _pct(c, 95):.1f}x  p99 {_pct(a, 99) / _pct(c, 99):.1f}x"
        )
    probes = [("", app.probe)]
    if app.web_probe is not None:
        probes = [(" (own process)", app.probe), (" (web workers)", app.web_probe)]
    for where, probe in probes:
        if probe and probe.task and probe.bare:
            t, b = probe.task, probe.bare
            print(
                f"   POST /agent/task under load{where}  {_fig(t)}  errors {probe.errors}   "
                f"bare /ping {_fig(b)}   ratio p99 {_pct(t, 99) / _pct(b, 99):.1f}x"
            )
    goals = []
    if mode == "scaled" and a and c:
        p95 = _pct(a, 95)
        goals.append(f"p95 {'ok' if p95 <= GOAL_P95_MS else 'MISSED'} (≤ {GOAL_P95_MS} ms)")
        ratio = p95 / _pct(c, 95)
        goals.append(f"ratio {'ok' if ratio <= GOAL_RATIO else 'MISSED'} (≤ {GOAL_RATIO:g}x)")
        goals.append(f"errors {'ok' if not app.stats.error_count() else 'MISSED'}")
        goals.append(
            f"RSS {'ok' if app.rss and max(app.rss) <= GOAL_RSS_MB else 'MISSED'} "
            f"(≤ {GOAL_RSS_MB} MB)"
        )
        goals.append(
            f"state {'ok' if app.state_bytes <= GOAL_STATE_KB * 1024 else 'MISSED'} "
            f"(≤ {GOAL_STATE_KB} KB)"
        )
    if app.probe and app.probe.task:
        p99 = _pct(app.probe.task, 99)
        goals.append(f"agent p99 {'ok' if p99 <= GOAL_AGENT_P99_MS else 'MISSED'} (≤ 25 ms)")
    if goals:
        print("   goals (issue 16): " + ", ".join(goals))
    sys.stdout.flush()


@contextlib.contextmanager
def _mode(mode: str, tmp: Path) -> Iterator[tuple[str, str | None, str | None, dict[str, str]]]:
    """(database URL, the app's Redis URL, the counter's Redis URL, env) for a mode."""
    if mode == "scaled":
        db_url = _create_database()
        app_redis, counter_redis = REDIS_URL, _redis_db(REDIS_URL, 1)
        for url in (app_redis, counter_redis):
            redis.Redis.from_url(url).flushdb()
        try:
            yield db_url, app_redis, counter_redis, {"GRANIAN_WORKERS": str(WORKERS)}
        finally:
            from scholarlink.core.db import reset_engine

            reset_engine()
            _drop_database(db_url)
    else:
        yield f"sqlite:///{tmp}/embedded.db", None, None, {"GRANIAN_WORKERS": "1"}


def _run_mode(mode: str, tmp: Path, cc_url: str) -> None:
    workers = WORKERS if mode == "scaled" else 1
    kind = (
        f"{workers} workers, Redis state, PostgreSQL"
        if mode == "scaled"
        else "1 worker, memory state, SQLite"
    )
    print(f"== websocket load, {mode} ({kind}): steps {STEPS}, {SECONDS:.0f} s each ==")
    with _mode(mode, tmp) as (db_url, app_redis, counter_redis, env):
        started = time.monotonic()
        students, ids = _prepare(db_url, max(STEPS))
        print(f"seeded {len(students)} students in {time.monotonic() - started:.0f} s")
        metrics_dir = tmp / f"metrics-{mode}"
        metrics_dir.mkdir()
        app_env = {
            **env,
            "DATABASE_URL": db_url,
            "SHARED_SECRET": SECRET,
            "COMMAND_CENTER_URL": cc_url,
            "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
            "AGENT_RATE_LIMIT_PER_MINUTE": "100000000",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        }
        servers: list[Server] = []
        try:
            counter = _start(
                "counter", COUNTER_ROOT, env, tmp / f"counter-{mode}.log", counter_redis
            )
            servers.append(counter)
            agent: list[Server] = []
            if mode == "scaled":
                # As deployed (Kubernetes, `make run-scaled`): the web workers take no agent
                # task themselves (AGENT_RUN_WORKER=false), `scholarlink worker` runs them, and
                # the Command Center posts to an intake process of its own.
                app_env["AGENT_RUN_WORKER"] = "false"
                intake_env = {**app_env, "GRANIAN_WORKERS": "1"}
                agent.append(
                    _start("agent intake", ROOT, intake_env, tmp / "intake.log", app_redis)
                )
                agent.append(_start_worker({**os.environ, **app_env}, tmp / "worker.log"))
                servers.extend(agent)
            app = _start("ScholarLink", ROOT, app_env, tmp / f"app-{mode}.log", app_redis)
            servers.append(app)
            print(f"servers ready in {time.monotonic() - started:.0f} s (logs in {tmp})")
            names = Names()
            names.hashes = _initial_hashes(ROOT, "scholarlink.scholarlink")
            counter_hashes = _initial_hashes(COUNTER_ROOT, "counter_app.counter_app")
            counter_name = _counter_state(counter.url)
            reply_to = f"{cc_url}/orchestrator/tasks/callback"
            # Idle, then quiet: the queries the app runs on its own (its scheduler, the agent
            # worker's polling) and those of an agent task, both subtracted from the steps'.
            before, idle_started = _queries(app), time.monotonic()
            time.sleep(5)
            idle_rate = (_queries(app) - before) / (time.monotonic() - idle_started)
            before, quiet_started = _queries(app), time.monotonic()
            quiet = _probe(
                (agent[0] if agent else app).url, students, time.monotonic() + 5, reply_to
            )
            time.sleep(1)
            per_task = (
                _queries(app) - before - idle_rate * (time.monotonic() - quiet_started)
            ) / max(1, len(quiet.task))
            print(
                f"quiet: POST /agent/task {_fig(quiet.task)}   bare /ping {_fig(quiet.bare)}   "
                f"(DB queries: {idle_rate:.1f}/s idle, {per_task:.1f} a task; subtracted below)"
            )
            with _client_pool() as pool:
                for n in STEPS:
                    c = _counter_step(pool, counter, counter_name, counter_hashes, n)
                    a = _app_step(
                        pool, app, names, students, ids, n, reply_to, per_task, idle_rate, agent
                    )
                    _report(mode, a, c)
        finally:
            for server in servers:
                _stop(server)


def main() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-ws-"))
    cc = CommandCenter(SECRET)
    cc_url, cc_server = _start_cc(cc)
    try:
        for mode in MODES:
            _run_mode(mode, tmp, cc_url)
    finally:
        cc_server.should_exit = True


if __name__ == "__main__":
    main()
