"""Real processes: a crash loses nothing and repeats nothing; two workers share one queue."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, func, select

from scholarlink.agent.simulator import CommandCenter, task_body
from scholarlink.core.db import session_scope
from scholarlink.models import AgentTask, AIUsage, OutboxMessage
from scholarlink.services.credits import MILLI, balance
from tests.integration.conftest import PREVIOUS_SECRET, SECRET, make_student
from tests.support.fake_openai import FakeOpenAI
from tests.support.processes import AgentProcess
from tests.support.servers import serve

ESSAY = "I learned to lead when our team lost in 2023.\n\nWe practised for 40 days.\n\nWe won in Austin."


@pytest.fixture
def stack(
    db: str, loaded_catalogue: None
) -> Iterator[tuple[CommandCenter, str, FakeOpenAI, dict[str, str]]]:
    cc = CommandCenter(SECRET)
    model = FakeOpenAI()
    with serve(cc.app()) as cc_url, serve(model.app()) as model_url:
        env = {
            "DATABASE_URL": db,
            "ENVIRONMENT": "test",
            "SECRET_KEY": os.environ["SECRET_KEY"],
            "SHARED_SECRET": SECRET,
            "SHARED_SECRET_PREVIOUS": PREVIOUS_SECRET,
            "COMMAND_CENTER_URL": cc_url,
            "CALLBACK_ALLOWED_HOSTS": "127.0.0.1",
            "AGENT_RATE_LIMIT_PER_MINUTE": "1000",
            "AGENT_TASK_LEASE_SECONDS": "5",
            "OUTBOX_BASE_DELAY_SECONDS": "0.05",
            "OUTBOX_MAX_DELAY_SECONDS": "0.3",
            "OUTBOX_MAX_ATTEMPTS": "500",
            "OUTBOX_BREAKER_RESET_SECONDS": "0.5",
            "OPENAI_API_KEY": "sk-test",
            "OPENAI_BASE_URL": model_url + "/v1",
            "OPENAI_TIMEOUT_SECONDS": "10",
            "OPENAI_MAX_RETRIES": "0",
            "LOG_LEVEL": "WARNING",
        }
        yield cc, cc_url, model, env


def _statuses() -> dict[str, str]:
    with session_scope() as s:
        return dict(s.exec(select(AgentTask.task_id, AgentTask.status)).all())


def test_sigkill_while_tasks_run_and_callbacks_wait(stack, tmp_path: Path) -> None:
    cc, cc_url, model, env = stack
    students = [f"crash-{i}" for i in range(6)]
    uids = [make_student(sid, credits=100) for sid in students]
    model.mode, model.delay = "slow", 1.5
    cc.fail_status = 503  # callbacks pile up in the outbox
    agent = AgentProcess(env, tmp_path / "agent.log")
    bodies = [
        task_body(
            "student_pilot.analyze_essay",
            {"studentId": sid, "content": ESSAY},
            reply_to=f"{cc_url}/orchestrator/tasks/callback",
            resources={"priority": 0, "timeout_ms": 60000, "retry": 0},
        )
        for sid in students
    ]
    for body in bodies:
        assert cc.dispatch(agent.url, body).status_code == 202
    # Kill once some tasks are done (callbacks pending) and others are mid-flight.
    cc.wait_for(
        lambda: (
            list(_statuses().values()).count("succeeded") >= 1
            and "in_progress" in _statuses().values()
        ),
        timeout=30,
    )
    agent.kill()
    before = _statuses()
    assert "in_progress" in before.values() and "succeeded" in before.values()
    with session_scope() as s:
        assert (
            s.exec(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.kind == "callback", OutboxMessage.status == "pending")
            ).one()
            >= 1
        )

    model.mode = "ok"
    cc.fail_status = None
    restarted = AgentProcess(env, tmp_path / "agent.log")
    try:
        for body in bodies:
            callbacks = cc.wait_for(lambda b=body: cc.callbacks_for(b["task_id"]), timeout=60)
            assert {c["status"] for c in callbacks} == {"succeeded"}
        assert set(_statuses().values()) == {"succeeded"}
        with session_scope() as s:
            # Each task's AI work was recorded and charged exactly once.
            ops = s.exec(select(AIUsage.operation_id)).all()
            assert sorted(ops) == sorted(f"task:{b['task_id']}" for b in bodies)
            for uid in uids:
                assert balance(s, uid) == 100 * MILLI - 1440

        def undelivered() -> int:
            with session_scope() as s:
                query = (
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(
                        col(OutboxMessage.kind).in_(["callback", "event"]),
                        OutboxMessage.status != "delivered",
                    )
                )
                return int(s.exec(query).one())

        cc.wait_for(lambda: undelivered() == 0, timeout=30)
    finally:
        restarted.stop()


# Several processes sharing one queue is the PostgreSQL deployment (SQLite is single-process).
@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_two_processes_share_one_queue_and_run_each_task_once(stack, tmp_path: Path) -> None:
    cc, cc_url, model, env = stack
    n = 24
    for i in range(n):
        make_student(f"pair-{i}", credits=100)
    model.mode, model.delay = "slow", 0.2
    agents = [AgentProcess(env, tmp_path / f"agent{i}.log") for i in range(2)]
    try:
        bodies = [
            task_body(
                "student_pilot.analyze_essay",
                {"studentId": f"pair-{i}", "content": ESSAY},
                reply_to=f"{cc_url}/orchestrator/tasks/callback",
            )
            for i in range(n)
        ]
        for i, body in enumerate(bodies):
            assert cc.dispatch(agents[i % 2].url, body).status_code == 202
        for body in bodies:
            cc.wait_for(lambda b=body: cc.callbacks_for(b["task_id"]), timeout=60)
        with session_scope() as s:
            attempts = s.exec(select(AgentTask.attempts)).all()
            assert attempts == [1] * n
            assert s.exec(select(func.count()).select_from(AIUsage)).one() == n
        assert len(model.requests) == n  # each task's model call made exactly once
        workers = {c.body["task_id"] for c in cc.of_kind("callback")}
        assert len(workers) == n
    finally:
        for agent in agents:
            agent.stop()
