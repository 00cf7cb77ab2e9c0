"""Faults with real processes, on loopback, bounded in time: the machine's PostgreSQL restarted
under a serving agent, and its Redis restarted under the app. Each service is restored in a
`finally:` block whatever happens (these tests run as root, like CI, to drive the services)."""

from __future__ import annotations

import contextlib
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import redis
from redis.exceptions import RedisError
from sqlmodel import select

from scholarlink.agent.schemas import TERMINAL
from scholarlink.agent.simulator import CommandCenter, task_body
from scholarlink.core.db import session_scope
from scholarlink.models import AgentTask, AIUsage
from tests.integration.conftest import SECRET, make_student
from tests.support.fake_openai import FakeOpenAI
from tests.support.processes import AgentProcess
from tests.support.servers import serve

ESSAY = "I learned to lead when our team lost in 2023.\n\nWe practised for 40 days.\n\nWe won in Austin."
PROFILE = {"gpa": 3.5, "major": "Biology", "academicLevel": "undergraduate", "state": "CA"}
REDIS_DB = 9  # not the e2e tests' database
REDIS_START = [
    "redis-server",
    "--daemonize",
    "yes",
    "--bind",
    "127.0.0.1",
    "--port",
    "6379",
    "--save",
    "",
    "--appendonly",
    "no",
]


def _wait_for(predicate: Callable[[], Any], timeout: float, what: str) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _status(url: str) -> int | None:
    try:
        return httpx.get(url, timeout=5).status_code
    except httpx.HTTPError:
        return None


# -- PostgreSQL -----------------------------------------------------------------------------


def _pg_cluster(action: str) -> None:
    version = sorted(os.listdir("/etc/postgresql"))[0]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action],
        check=True,
        capture_output=True,
        timeout=90,
    )


def _pg_ready() -> bool:
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], timeout=10, check=False
        ).returncode
        == 0
    )


@pytest.fixture
def stack(db: str) -> Iterator[tuple[CommandCenter, str, FakeOpenAI, dict[str, str]]]:
    cc = CommandCenter(SECRET)
    model = FakeOpenAI()
    with serve(cc.app()) as cc_url, serve(model.app()) as model_url:
        yield (
            cc,
            cc_url,
            model,
            {
                "DATABASE_URL": db,
                "ENVIRONMENT": "test",
                "SECRET_KEY": os.environ["SECRET_KEY"],
                "SHARED_SECRET": SECRET,
                "COMMAND_CENTER_URL": cc_url,
                "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
                "AGENT_RATE_LIMIT_PER_MINUTE": "1000",
                "AGENT_TASK_LEASE_SECONDS": "5",
                "OUTBOX_BASE_DELAY_SECONDS": "0.05",
                "OUTBOX_MAX_DELAY_SECONDS": "0.3",
                "OUTBOX_MAX_ATTEMPTS": "1000",
                "OUTBOX_BREAKER_RESET_SECONDS": "0.5",
                "HEARTBEAT_INTERVAL_SECONDS": "2",
                "OPENAI_API_KEY": "sk-test",
                "OPENAI_BASE_URL": model_url + "/v1",
                "OPENAI_TIMEOUT_SECONDS": "20",
                "OPENAI_MAX_RETRIES": "0",
                "LOG_LEVEL": "WARNING",
            },
        )


def _task_status(task_id: str) -> str | None:
    with session_scope() as s:
        return s.exec(select(AgentTask.status).where(AgentTask.task_id == task_id)).first()


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_postgres_restart_loses_nothing_accepted(stack, tmp_path: Path) -> None:
    cc, cc_url, model, env = stack
    reply_to = f"{cc_url}/orchestrator/tasks/callback"
    make_student("pg-fault-1", profile=PROFILE)
    make_student("pg-fault-2", credits=100)
    agent = AgentProcess(env, tmp_path / "agent.log")
    try:
        # Before the restart: one task done with its callback still in the outbox (the Command
        # Center refuses callbacks for now), and one AI task in flight (the model is slow).
        cc.fail_status = 503
        model.mode, model.delay = "slow", 2.0
        done = task_body(
            "student_pilot.get_profile", {"studentId": "pg-fault-1"}, reply_to=reply_to
        )
        assert cc.dispatch(agent.url, done).status_code == 202
        _wait_for(lambda: _task_status(done["task_id"]) == "succeeded", 20, "the first task")
        in_flight = task_body(
            "student_pilot.analyze_essay",
            {"studentId": "pg-fault-2", "content": ESSAY},
            reply_to=reply_to,
            resources={"priority": 0, "timeout_ms": 120_000, "retry": 0},
        )
        assert cc.dispatch(agent.url, in_flight).status_code == 202
        _wait_for(lambda: model.requests, 20, "the AI task to call the model")
        model_answers_at = time.monotonic() + model.delay
        offered_during = task_body(
            "student_pilot.get_profile", {"studentId": "pg-fault-1"}, reply_to=reply_to
        )

        outage_started = time.monotonic()
        try:
            _pg_cluster("stop")
            _wait_for(lambda: _status(f"{agent.url}/ready") == 503, 20, "/ready to answer 503")
            health = httpx.get(f"{agent.url}/health", timeout=5)
            assert health.status_code == 200
            assert health.json()["status"] == "degraded"
            assert health.json()["database"]["status"] == "unhealthy"
            # A task offered now is refused in a way the Command Center retries: not accepted.
            refused = cc.dispatch(agent.url, offered_during)
            assert refused.status_code == 503, refused.text
            assert refused.json()["error"]["code"] == "database_unavailable"
            assert int(refused.headers["retry-after"]) > 0
            # Stay down until the model has answered the task in flight: its result cannot be
            # committed, and its worker cannot extend its lease.
            time.sleep(max(0.0, model_answers_at + 1.0 - time.monotonic()))
        finally:
            if not _pg_ready():
                _pg_cluster("start")
            _wait_for(_pg_ready, 60, "PostgreSQL to accept connections")
        outage = time.monotonic() - outage_started

        cc.fail_status = None
        model.mode = "ok"
        _wait_for(lambda: _status(f"{agent.url}/ready") == 200, 30, "/ready to answer 200")
        # The Command Center retries the refused task; a new one is dispatched after recovery.
        assert cc.dispatch(agent.url, offered_during).status_code == 202
        after = task_body(
            "student_pilot.update_profile",
            {"studentId": "pg-fault-1", "profileData": {"major": "Nursing", "gpa": 3.6}},
            reply_to=reply_to,
        )
        assert cc.dispatch(agent.url, after).status_code == 202

        for body in (done, in_flight, offered_during, after):
            callbacks = cc.wait_for(lambda b=body: cc.callbacks_for(b["task_id"]), timeout=60)
            assert {c["status"] for c in callbacks} == {"succeeded"}, (body["action"], callbacks)
            r = cc.status(agent.url, body["task_id"])
            assert r.status_code == 200 and r.json()["status"] in TERMINAL
        # The AI task interrupted by the outage ran again, and was recorded (charged) once.
        assert len(model.requests) >= 2
        with session_scope() as s:
            ops = s.exec(select(AIUsage.operation_id)).all()
            assert ops == [f"task:{in_flight['task_id']}"]
        assert outage < 60
    finally:
        agent.stop()


# -- Redis ----------------------------------------------------------------------------------


def _redis_up() -> bool:
    return (
        subprocess.run(
            ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "ping"],
            capture_output=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        == b"PONG"
    )


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_redis_restart_leaves_readiness_alone_and_clients_reconnect(
    db: str, tmp_path: Path
) -> None:
    url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    # Built as Reflex builds its clients (reflex.utils.prerequisites.get_redis_sync).
    client = redis.Redis.from_url(url, retry_on_error=[RedisError], socket_timeout=5)
    client.set("faults:probe", "before")
    env = {
        "DATABASE_URL": db,
        "ENVIRONMENT": "test",
        "SECRET_KEY": os.environ["SECRET_KEY"],
        "REFLEX_REDIS_URL": url,
        "LOG_LEVEL": "WARNING",
    }
    agent = AgentProcess(env, tmp_path / "agent.log")
    try:
        try:
            subprocess.run(
                ["redis-cli", "-h", "127.0.0.1", "-p", "6379", "shutdown", "nosave"],
                capture_output=True,
                timeout=30,
                check=False,
            )
            _wait_for(lambda: not _redis_up(), 20, "Redis to stop")
            with pytest.raises(redis.ConnectionError):
                client.get("faults:probe")
            # Redis holds only Reflex's UI state: the app stays ready and healthy without it.
            assert _status(f"{agent.url}/ready") == 200
            health = httpx.get(f"{agent.url}/health", timeout=5)
            assert health.status_code == 200 and health.json()["status"] == "ok"
        finally:
            if not _redis_up():
                subprocess.run(REDIS_START, capture_output=True, timeout=30, check=True)
            _wait_for(_redis_up, 30, "Redis to start")
        # The same client object reconnects on its next command (nosave: the data is gone).
        assert client.get("faults:probe") is None
        assert client.set("faults:probe", "after")
        assert client.get("faults:probe") == b"after"
        assert _status(f"{agent.url}/ready") == 200
    finally:
        with contextlib.suppress(RedisError):
            client.delete("faults:probe")
        client.close()
        agent.stop()
