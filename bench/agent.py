"""Agent intake and end-to-end latency, each beside a baseline from the same run.

1. Acceptance latency of POST /agent/task (p50/p99, sequential, keep-alive) against a bare
   FastAPI JSON endpoint served by the same process (`/bench/echo`), rate limit lifted.
2. Sustained accepted tasks per second with 8 concurrent clients, against the same endpoint.
3. Acceptance → delivered callback for a match task with the local provider, against the
   predecessor's reported 4,523 ms.

The database is a fresh SQLite file unless BENCH_DATABASE_URL points elsewhere (PostgreSQL).
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import uvicorn

from scholarlink.agent.simulator import CommandCenter, sign_task_token, task_body

SECRET = "bench-secret-" + "x" * 32
SEED_E2E_MS = 4523
ROOT = Path(__file__).resolve().parent.parent


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_cc(cc: CommandCenter) -> tuple[str, uvicorn.Server]:
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(cc.app(), host="127.0.0.1", port=port, log_level="warning", access_log=False)
    )
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.01)
    return f"http://127.0.0.1:{port}", server


def _start_agent(env: dict[str, str]) -> tuple[str, subprocess.Popen[bytes]]:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.server", str(port)], cwd=ROOT, env={**os.environ, **env}
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if httpx.get(f"{url}/health", timeout=1).status_code == 200:
                return url, proc
        except httpx.HTTPError:
            time.sleep(0.1)
    raise RuntimeError("agent did not start")


def _pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def _latency(client: httpx.Client, url: str, bodies: list[dict], tokens: list[str]) -> list[float]:
    out = []
    for body, token in zip(bodies, tokens, strict=True):
        start = time.perf_counter()
        r = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
        out.append((time.perf_counter() - start) * 1000)
        assert r.status_code == 202, r.text
    return out


def _paced(
    client: httpx.Client, bare_url: str, task_url: str, pairs: list[tuple[dict, str]], gap: float
) -> tuple[list[float], list[float]]:
    """The bare endpoint and an acceptance in turn, `gap` seconds apart: the pace of a Command
    Center handing out tasks now and then, where every request finds the process (and this
    machine's cores) idle, instead of back to back."""
    bare: list[float] = []
    task: list[float] = []
    for body, token in pairs:
        for url, out in ((bare_url, bare), (task_url, task)):
            time.sleep(gap)
            start = time.perf_counter()
            r = client.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
            out.append((time.perf_counter() - start) * 1000)
            assert r.status_code == 202, r.text
    return bare, task


def _throughput(url: str, make: callable, seconds: float, clients: int = 8) -> float:  # type: ignore[valid-type]
    stop = time.monotonic() + seconds
    counts = [0] * clients

    def run(i: int) -> None:
        with httpx.Client(timeout=30) as c:
            while time.monotonic() < stop:
                body, token = make()
                r = c.post(url, json=body, headers={"Authorization": f"Bearer {token}"})
                if r.status_code == 202:
                    counts[i] += 1

    with ThreadPoolExecutor(clients) as pool:
        list(pool.map(run, range(clients)))
    return sum(counts) / seconds


def main() -> None:
    from scholarlink.core.db import reset_engine, session_scope
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.migrations import upgrade_to_head
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue

    tmp = tempfile.mkdtemp(prefix="bench-agent-")
    db_url = os.environ.get("BENCH_DATABASE_URL", f"sqlite:///{tmp}/bench.db")
    os.environ["DATABASE_URL"] = db_url
    reset_settings_cache()
    reset_engine()
    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)

    cc = CommandCenter(SECRET)
    cc_url, cc_server = _start_cc(cc)
    reply_to = f"{cc_url}/orchestrator/tasks/callback"
    base_env = {
        "DATABASE_URL": db_url,
        "SHARED_SECRET": SECRET,
        "COMMAND_CENTER_URL": cc_url,
        "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
        "AGENT_RATE_LIMIT_PER_MINUTE": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    kind = "PostgreSQL" if db_url.startswith("postgres") else "SQLite"
    print(f"== agent bridge ({kind}) ==")

    # 1 + 2: intake alone (worker off), against the bare endpoint in the same process.
    url, proc = _start_agent({**base_env, "AGENT_RUN_WORKER": "false"})
    try:

        def make() -> tuple[dict, str]:
            return task_body(
                "student_pilot.get_profile", {"studentId": "nobody"}, reply_to=reply_to
            ), sign_task_token(SECRET)

        n = 300
        batches = [[make() for _ in range(n)] for _ in range(2)]
        with httpx.Client(timeout=30) as client:
            _latency(client, f"{url}/bench/echo", *zip(*[make() for _ in range(30)], strict=True))  # type: ignore[arg-type]
            _latency(client, f"{url}/agent/task", *zip(*[make() for _ in range(30)], strict=True))  # type: ignore[arg-type]
            bare = _latency(
                client, f"{url}/bench/echo", [b for b, _ in batches[0]], [t for _, t in batches[0]]
            )
            task = _latency(
                client, f"{url}/agent/task", [b for b, _ in batches[1]], [t for _, t in batches[1]]
            )
        print(
            f"acceptance latency   p50 {statistics.median(task):6.2f} ms  p99 {_pct(task, 99):6.2f} ms   "
            f"bare endpoint p50 {statistics.median(bare):5.2f} ms  p99 {_pct(bare, 99):5.2f} ms   "
            f"ratio p50 {statistics.median(task) / statistics.median(bare):4.1f}x  p99 {_pct(task, 99) / _pct(bare, 99):4.1f}x   "
            f"(target p99 < 25 ms: {'ok' if _pct(task, 99) < 25 else 'MISSED'})"
        )
        with httpx.Client(timeout=30) as client:
            paced_bare, paced = _paced(
                client, f"{url}/bench/echo", f"{url}/agent/task", [make() for _ in range(40)], 0.125
            )
        print(
            f"  paced, 4 a second  p50 {statistics.median(paced):6.2f} ms  p99 {_pct(paced, 99):6.2f} ms   "
            f"bare endpoint p50 {statistics.median(paced_bare):5.2f} ms  p99 {_pct(paced_bare, 99):5.2f} ms   "
            f"ratio p50 {statistics.median(paced) / statistics.median(paced_bare):4.1f}x   "
            f"(back to back: the acceptance p50 {statistics.median(task):.2f} ms)"
        )
        bare_tps = _throughput(f"{url}/bench/echo", make, 4)
        task_tps = _throughput(f"{url}/agent/task", make, 4)
        print(
            f"sustained intake     {task_tps:7.0f} tasks/s committed   bare endpoint {bare_tps:7.0f} req/s   ratio {task_tps / bare_tps:4.2f}"
        )
    finally:
        proc.terminate()
        proc.wait()

    # 3: acceptance → delivered callback, match task, local provider. The tasks accepted above
    # are dropped first: with the worker off they queued up (hundreds on PostgreSQL), and the
    # match tasks would wait behind all of them.
    from sqlmodel import delete

    from scholarlink.models import AgentTask, OutboxMessage

    with session_scope() as s:
        s.exec(delete(OutboxMessage))
        s.exec(delete(AgentTask))
    url, proc = _start_agent(base_env)
    try:
        profile = {
            "gpa": 3.7,
            "major": "Biology",
            "academicLevel": "undergraduate",
            "state": "CA",
            "citizenship": "us_citizen",
            "interests": ["research"],
        }
        times = []
        with httpx.Client(timeout=30) as client:
            for _ in range(12):
                body = task_body(
                    "student_pilot.match_scholarships",
                    {"profileData": profile, "limit": 10},
                    reply_to=reply_to,
                    task_id=str(uuid.uuid4()),
                )
                start = time.perf_counter()
                r = client.post(
                    f"{url}/agent/task",
                    json=body,
                    headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
                )
                assert r.status_code == 202
                cc.wait_for(lambda b=body: cc.callbacks_for(b["task_id"]), timeout=30)
                times.append((time.perf_counter() - start) * 1000)
        e2e = statistics.median(times[2:])
        print(
            f"accept → callback    p50 {e2e:7.1f} ms (match, local provider, 10 results)   predecessor 4,523 ms   ratio {e2e / SEED_E2E_MS:.3f}"
        )
    finally:
        proc.terminate()
        proc.wait()
        cc_server.should_exit = True


if __name__ == "__main__":
    main()
