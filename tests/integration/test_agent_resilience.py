"""Nothing accepted is lost: the Command Center down and back, dead letters and replay,
deadlines and retries."""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest
from sqlmodel import col, func, select

from scholarlink.agent.outbox import destination_breaker
from scholarlink.agent.simulator import CommandCenter, sign_task_token
from scholarlink.ai.providers import reset_providers
from scholarlink.cli import main as cli
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AgentTask, AIUsage, DeliveryAttempt, OutboxMessage
from scholarlink.services.credits import MILLI, balance
from tests.integration.conftest import SECRET, Bridge, make_student
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve

ESSAY = "I learned to lead when our team lost in 2023.\n\nWe practised for 40 days.\n\nWe won in Austin."


def _set(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings_cache()


def _messages(task_id: str) -> list[OutboxMessage]:
    with session_scope() as s:
        return list(
            s.exec(
                select(OutboxMessage)
                .where(OutboxMessage.task_id == task_id)
                .order_by(col(OutboxMessage.id))
            )
        )


def test_command_center_down_then_back_delivers_everything_in_order(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    _set(monkeypatch, OUTBOX_MAX_ATTEMPTS="200")
    bridge.cc.fail_status = 503
    bodies = [
        bridge.task(
            "student_pilot.update_profile",
            {"studentId": f"down-{i}", "profileData": {"gpa": 3.0 + i / 10}},
        )
        for i in range(3)
    ]
    for body in bodies:
        assert bridge.dispatch(body).status_code == 202
    # Tasks finish while the Command Center is down; their messages wait in the outbox.
    bridge.cc.wait_for(
        lambda: all(m.attempts >= 2 for b in bodies for m in _messages(b["task_id"])[:1])
    )
    assert bridge.cc.of_kind("callback") == []
    bridge.cc.fail_status = None
    for body in bodies:
        callback = bridge.result(body["task_id"])
        assert callback["status"] == "succeeded"
    for body in bodies:
        tid = body["task_id"]
        arrived = bridge.cc.wait_for(
            lambda t=tid: (
                len(
                    [
                        r
                        for r in bridge.cc.received
                        if r.body.get("task_id") == t
                        or (r.body.get("data") or {}).get("task_id") == t
                    ]
                )
                == 3
                and t
            )
        )
        order = [
            r.kind if r.kind == "callback" else r.body["type"]
            for r in bridge.cc.received
            if r.body.get("task_id") == arrived
            or (r.body.get("data") or {}).get("task_id") == arrived
        ]
        assert order == ["callback", "profile_updated", "task_completed"]
    with session_scope() as s:
        # Heartbeats are allowed to lapse (two attempts each), and so is the start-up
        # registration (its own budget, and the next heartbeat announces the agent again);
        # nothing the tasks sent may be lost.
        dead = (
            select(func.count())
            .select_from(OutboxMessage)
            .where(
                OutboxMessage.status == "dead",
                col(OutboxMessage.kind).not_in(["heartbeat", "register"]),
            )
        )
        assert s.exec(dead).one() == 0


def test_short_budget_dead_letters_then_replay_delivers(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _set(monkeypatch, OUTBOX_MAX_ATTEMPTS="2")
    bridge.cc.fail_status = 500
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    bridge.dispatch(body)
    bridge.cc.wait_for(
        lambda: (m := _messages(body["task_id"])) and all(x.status == "dead" for x in m)
    )
    headers = {"Authorization": f"Bearer {sign_task_token(SECRET)}"}
    listed = bridge.client.get(
        f"{bridge.agent_url}/api/agent/dead-letters", headers=headers
    ).json()["dead_letters"]
    mine = [d for d in listed if d["task_id"] == body["task_id"]]
    assert {d["kind"] for d in mine} == {"callback", "event"} and all(
        d["attempts"] == 2 for d in mine
    )
    assert cli(["agent", "dead-letters"]) == 0
    assert f"callback:{body['task_id']}:rejected" in capsys.readouterr().out
    assert bridge.client.get(f"{bridge.agent_url}/api/agent/dead-letters").status_code == 401
    bridge.cc.fail_status = None
    destination_breaker(bridge.callback_url).reset()
    callback_id = next(d["id"] for d in mine if d["kind"] == "callback")
    r = bridge.client.post(
        f"{bridge.agent_url}/api/agent/dead-letters/{callback_id}/replay",
        headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
    )
    assert r.status_code == 200 and r.json()["status"] == "pending"
    for d in mine:
        if d["kind"] != "callback":
            assert cli(["agent", "replay", str(d["id"])]) == 0
    assert bridge.result(body["task_id"])["status"] == "rejected"
    bridge.cc.wait_for(lambda: bridge.cc.events_for(body["task_id"]))
    assert (
        bridge.client.post(
            f"{bridge.agent_url}/api/agent/dead-letters/999999/replay",
            headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
        ).status_code
        == 404
    )


def test_gone_receiver_is_dead_at_once(bridge: Bridge) -> None:
    bridge.cc.fail_status = 410
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    bridge.dispatch(body)
    bridge.cc.wait_for(
        lambda: (m := _messages(body["task_id"])) and all(x.status == "dead" for x in m)
    )
    assert all(m.attempts == 1 and m.last_status_code == 410 for m in _messages(body["task_id"]))


def test_retry_after_is_honoured(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> None:
    _set(monkeypatch, OUTBOX_MAX_DELAY_SECONDS="5")
    bridge.cc.fail_status = 429
    bridge.cc.retry_after = "1"
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    bridge.dispatch(body)
    first = bridge.cc.wait_for(
        lambda: (m := _messages(body["task_id"])) and m[0].attempts >= 1 and m[0]
    )
    bridge.cc.fail_status = None
    bridge.result(body["task_id"])

    def attempt_times() -> list:
        with session_scope() as s:
            return [
                a.attempted_at
                for a in s.exec(
                    select(DeliveryAttempt)
                    .where(DeliveryAttempt.outbox_id == first.id)
                    .order_by(col(DeliveryAttempt.id))
                )
            ]

    # The agent records an attempt after the receiver has answered it: wait for the record.
    times = bridge.cc.wait_for(lambda: t if len(t := attempt_times()) >= 2 else None)
    assert (times[1] - times[0]).total_seconds() >= 0.9


def test_callback_goes_to_the_tasks_own_reply_to(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    elsewhere = CommandCenter(SECRET)
    with serve(elsewhere.app()) as url:
        monkeypatch.setenv("CALLBACK_ALLOWED_HOSTS", url.removeprefix("http://"))
        reset_settings_cache()
        body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
        body["reply_to"] = f"{url}/orchestrator/tasks/callback"
        bridge.dispatch(body)
        [cb] = elsewhere.wait_for(lambda: elsewhere.callbacks_for(body["task_id"]))
        assert cb["status"] == "rejected"
    assert bridge.cc.callbacks_for(body["task_id"]) == []


@pytest.fixture
def slow_model(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI(mode="slow", delay=2.0)
    with serve(fake.app()) as url:
        _set(
            monkeypatch,
            OPENAI_API_KEY="sk-test",
            OPENAI_BASE_URL=url + "/v1",
            OPENAI_TIMEOUT_SECONDS="10",
            OPENAI_MAX_RETRIES="0",
        )
        reset_providers()
        breaker("openai").reset()
        yield fake
    monkeypatch.delenv("OPENAI_API_KEY")
    reset_settings_cache()
    reset_providers()


def test_timeout_fails_the_task_and_charges_nothing(bridge: Bridge, slow_model: FakeOpenAI) -> None:
    uid = make_student("slow-1", credits=100)
    body = bridge.task(
        "student_pilot.analyze_essay",
        {"studentId": "slow-1", "content": ESSAY},
        resources={"priority": 0, "timeout_ms": 500, "retry": 0},
    )
    bridge.dispatch(body)
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "failed" and callback["error"]["code"] == "timeout"
    time.sleep(2.5)  # the model answers after the deadline: the late result must not be charged
    with session_scope() as s:
        assert balance(s, uid) == 100 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 0


def test_retryable_failures_are_retried_then_fail(bridge: Bridge, slow_model: FakeOpenAI) -> None:
    slow_model.mode = "500"
    make_student("flaky-1", credits=100)
    body = bridge.task(
        "student_pilot.improve_essay_content",
        {"studentId": "flaky-1", "content": ESSAY},
        resources={"priority": 0, "timeout_ms": 5000, "retry": 2},
    )
    bridge.dispatch(body)
    callback = bridge.result(body["task_id"], timeout=30)
    assert callback["status"] == "failed" and callback["error"]["code"] == "unavailable"
    with session_scope() as s:
        task = s.exec(select(AgentTask).where(AgentTask.task_id == body["task_id"])).one()
        assert task.attempts == 3
    assert len(slow_model.requests) == 3


def test_retry_succeeds_when_the_dependency_recovers(
    bridge: Bridge, slow_model: FakeOpenAI
) -> None:
    slow_model.mode = "500"
    uid = make_student("flaky-2", credits=100)
    body = bridge.task(
        "student_pilot.improve_essay_content",
        {"studentId": "flaky-2", "content": ESSAY},
        resources={"priority": 0, "timeout_ms": 5000, "retry": 5},
    )
    bridge.dispatch(body)
    bridge.cc.wait_for(lambda: len(slow_model.requests) >= 1)
    slow_model.mode = "ok"
    breaker("openai").reset()
    callback = bridge.result(body["task_id"], timeout=60)
    assert callback["status"] == "succeeded"
    with session_scope() as s:
        assert balance(s, uid) == 100 * MILLI - 1440  # charged once, by tokens
