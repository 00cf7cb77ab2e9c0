"""Direct task processing: claiming order, leases, fencing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from scholarlink.agent import tasks
from scholarlink.agent.schemas import TaskIn
from scholarlink.agent.worker import TaskWorker
from scholarlink.core.db import session_scope
from scholarlink.models import AgentTask, OutboxMessage, utcnow
from tests.integration.conftest import bridge_env


def _accept(task_id: str, priority: int = 0, action: str = "student_pilot.update_profile") -> None:
    body = TaskIn(
        task_id=task_id,
        action=action,
        payload={"studentId": task_id, "profileData": {"gpa": 3.1}},
        reply_to="http://127.0.0.1:9/cb",
        trace_id="t",
        requested_by="test",
        resources={"priority": priority, "timeout_ms": 5000, "retry": 0},
    )
    with session_scope() as s:
        tasks.accept(s, body, caller="test", existing=tasks.known(s, task_id))


@pytest.fixture
def worker(db: str, monkeypatch: pytest.MonkeyPatch) -> TaskWorker:
    bridge_env(monkeypatch, None)
    w = TaskWorker("w1")
    yield w
    w.close()


def _order() -> list[str]:
    with session_scope() as s:
        rows = s.exec(select(AgentTask).where(AgentTask.status == "succeeded")).all()
        return [r.task_id for r in sorted(rows, key=lambda r: r.finished_at)]


def test_higher_priority_first_then_oldest(worker: TaskWorker) -> None:
    _accept("low", priority=0)
    _accept("high", priority=5)
    _accept("low-2", priority=0)
    while worker.run_once():
        pass
    assert _order() == ["high", "low", "low-2"]
    with session_scope() as s:
        callbacks = s.exec(
            select(OutboxMessage.message_id).where(OutboxMessage.kind == "callback")
        ).all()
    assert sorted(callbacks) == sorted(f"callback:{t}:succeeded" for t in ("high", "low", "low-2"))


def test_expired_lease_is_claimed_again_and_stale_owner_is_fenced(worker: TaskWorker) -> None:
    _accept("lost")
    with session_scope() as s:
        claimed = tasks.claim(s, worker="dead-worker", lease_seconds=60)
        assert claimed is not None
    assert worker.run_once() is False  # leased elsewhere and not expired
    with session_scope() as s:
        row = s.exec(select(AgentTask).where(AgentTask.task_id == "lost")).one()
        row.lease_expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
    assert worker.run_once() is True
    with session_scope() as s:
        row = s.exec(select(AgentTask).where(AgentTask.task_id == "lost")).one()
        assert row.status == "succeeded" and row.attempts == 2
        # The old owner can no longer write a result.
        assert tasks.still_owned(s, "lost", "dead-worker") is None


def test_terminal_states_never_change(worker: TaskWorker) -> None:
    _accept("done")
    worker.run_once()
    with session_scope() as s:
        assert tasks.claim(s, worker="other", lease_seconds=60) is None
        row = tasks.get(s, "done")
        assert row is not None and row.status == "succeeded"
