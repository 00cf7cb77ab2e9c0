"""The Command Center protocol over real HTTP (seed section 9.1 and the contract)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import func, select

from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.agent.simulator import sign_task_token
from scholarlink.ai.providers import reset_providers
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AgentTask, AIUsage, CreditEntry
from scholarlink.services.credits import MILLI, balance
from tests.integration.conftest import SECRET, Bridge, confirm_everything, make_student
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve

PROFILE = {
    "gpa": 3.8,
    "gpaWeighted": False,
    "major": "Computer Science",
    "academicLevel": "undergraduate",
    "graduationYear": 2029,
    "birthDate": "2006-05-01",
    "state": "CA",
    "schoolState": "CA",
    "citizenship": "us_citizen",
    "demographics": [],
    "interests": ["technology", "research"],
    "financialNeed": True,
    "pellEligible": True,
    "householdIncome": 40000,
    "testScores": {"sat": 1400, "act": 31},
}
ESSAY = (
    "When our robotics team lost at regionals in 2023, I was the one who had wired the drive "
    "train. I learned that testing matters more than speed.\n\nI wrote a checklist and taught "
    "it to 12 teammates. By the state championship we placed 4th of 38 teams.\n\n"
    "Now I want to study engineering because owning mistakes is how teams grow."
)


def test_capabilities_are_public(bridge: Bridge) -> None:
    r = bridge.client.get(f"{bridge.agent_url}/agent/capabilities")
    assert r.status_code == 200
    body = r.json()
    assert body["agent_id"] == "student-pilot"
    assert body["capabilities"] == list(CAPABILITIES) and len(body["capabilities"]) == 9
    assert body["version"] and body["status"] == "ready"


def test_registered_at_the_command_center_and_heartbeat_seen(bridge: Bridge) -> None:
    [reg] = bridge.cc.wait_for(lambda: bridge.cc.of_kind("register"))
    assert reg.body["agent_id"] == "student-pilot"
    assert reg.body["capabilities"] == list(CAPABILITIES)
    assert reg.headers["x-agent-id"] == "student-pilot"
    agents = httpx.get(f"{bridge.cc_url}/orchestrator/agents").json()["agents"]
    assert [a["agent_id"] for a in agents] == ["student-pilot"]
    beat = bridge.cc.wait_for(lambda: bridge.cc.of_kind("heartbeat"))[0]
    assert set(beat.body) >= {
        "agent_id",
        "name",
        "base_url",
        "capabilities",
        "status",
        "last_seen",
        "version",
    }

    def health_ok() -> dict | None:
        h = bridge.client.get(f"{bridge.agent_url}/health").json()
        return h if h["bridge"]["last_heartbeat_ok"] else None

    health = bridge.cc.wait_for(health_ok)
    assert health["agent_id"] == "student-pilot"
    assert health["bridge"]["mode"] == "connected"
    assert bridge.cc.rejected_signatures == 0


def test_match_task_for_a_student_end_to_end(bridge: Bridge) -> None:
    confirm_everything(make_student("42600777", profile=PROFILE))
    body = bridge.task("student_pilot.match_scholarships", {"studentId": "42600777", "limit": 5})
    r = bridge.dispatch(body)
    assert r.status_code == 202
    assert r.json() == {
        "task_id": body["task_id"],
        "status": "accepted",
        "trace_id": body["trace_id"],
    }
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "succeeded" and callback["trace_id"] == body["trace_id"]
    result = callback["result"]
    assert 1 <= result["count"] <= 5 and result["executionTimeMs"] >= 0
    first = result["matches"][0]
    assert set(first) >= {
        "scholarshipId",
        "scholarship",
        "score",
        "matchScore",
        "reasoning",
        "chanceLevel",
        "eligibility",
    }
    assert first["score"] == first["matchScore"] and 0 <= first["score"] <= 100
    assert first["chanceLevel"] in ("high", "competitive", "long_shot")
    assert all(e["status"] != "unmet" for m in result["matches"] for e in m["eligibility"])
    assert all(
        e["status"] in ("met", "confirmed")
        for m in result["matches"]
        for e in m["eligibility"]
        if e.get("hard", True)
    )
    assert {"deadline", "cycle"} <= set(first) and set(first["cycle"]) >= {
        "opens",
        "deadline",
        "forGraduationYear",
    }
    assert set(result) >= {"matches", "possible", "opensLater", "count"}
    assert result["count"] == len(result["matches"])
    events = bridge.cc.wait_for(
        lambda: (
            len(bridge.cc.events_for(body["task_id"])) >= 2
            and bridge.cc.events_for(body["task_id"])
        )
    )
    types = [e["type"] for e in events]
    assert types == ["scholarships_matched", "task_completed"]
    done = events[-1]
    assert done["event_id"] == f"{body['task_id']}:succeeded"
    assert done["data"]["task_id"] == body["task_id"] and done["source"] == "student-pilot"
    assert done["trace_id"] == body["trace_id"]
    status = bridge.cc.status(bridge.agent_url, body["task_id"]).json()
    assert status["status"] == "succeeded" and status["result"] == result


def test_match_task_with_profile_data_only(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.match_scholarships", {"profileData": PROFILE})
    assert bridge.dispatch(body).status_code == 202
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "succeeded"
    result = callback["result"]
    # Without answers to the requirements to confirm, most programmes are "possible", each with
    # the questions that decide it; nothing unmet appears anywhere.
    assert len(result["possible"]) == 10 and result["count"] == len(result["matches"])
    assert all(item["questions"] for item in result["possible"])
    for item in result["matches"] + result["possible"] + result["opensLater"]:
        assert all(e["status"] != "unmet" for e in item["eligibility"] if e.get("hard", True))
    assert all(item["opens"] for item in result["opensLater"])


@pytest.fixture
def model(bridge: Bridge, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with serve(fake.app()) as url:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", url + "/v1")
        reset_settings_cache()
        reset_providers()
        breaker("openai").reset()
        yield fake
    monkeypatch.delenv("OPENAI_API_KEY")
    reset_settings_cache()
    reset_providers()


def test_offline_essay_analysis_is_free_and_runs_once(bridge: Bridge) -> None:
    uid = make_student("s-essay", credits=1000)
    body = bridge.task(
        "student_pilot.analyze_essay",
        {"studentId": "s-essay", "content": ESSAY, "prompt": "A challenge"},
    )
    assert bridge.dispatch(body).status_code == 202
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "succeeded"
    assert 0 <= callback["result"]["score"] <= 10 and callback["result"]["wordCount"] > 50
    # The same task again: same 202, no second run, no second charge.
    again = bridge.dispatch(body)
    assert again.status_code == 202 and again.json()["status"] == "succeeded"
    with session_scope() as s:
        # The offline assistant calls no model: no charge and no ledger entry beyond the grant.
        assert balance(s, uid) == 1000 * MILLI
        assert s.exec(select(func.count()).select_from(AIUsage)).one() == 1
        kinds = s.exec(select(CreditEntry.kind).where(CreditEntry.user_id == uid)).all()
        assert list(kinds) == ["grant"]
    assert [e["type"] for e in bridge.cc.wait_for(lambda: bridge.cc.events_for(body["task_id"]))][
        :1
    ] == ["essay_analyzed"]


def test_insufficient_credits_for_a_model_call_is_rejected(
    bridge: Bridge, model: FakeOpenAI
) -> None:
    make_student("s-poor", credits=1)
    body = bridge.task("student_pilot.analyze_essay", {"studentId": "s-poor", "content": ESSAY})
    bridge.dispatch(body)
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "rejected"
    assert callback["error"]["code"] == "insufficient_credits"
    assert model.requests == []  # refused before the model was called
    failed = bridge.cc.wait_for(lambda: bridge.cc.events_for(body["task_id"]))
    assert [e["type"] for e in failed] == ["task_failed"]


def test_unknown_student_is_rejected(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    bridge.dispatch(body)
    assert bridge.result(body["task_id"])["error"]["code"] == "not_found"


def test_profile_and_applications_capabilities(bridge: Bridge) -> None:
    update = bridge.task(
        "student_pilot.update_profile",
        {"studentId": "new-7", "profileData": {"gpa": 3.4, "state": "Texas", "major": "Nursing"}},
    )
    bridge.dispatch(update)
    profile = bridge.result(update["task_id"])["result"]
    assert profile["studentId"] == "new-7" and profile["state"] == "TX" and profile["gpa"] == 3.4
    get = bridge.task("student_pilot.get_profile", {"userId": "new-7"})
    bridge.dispatch(get)
    assert bridge.result(get["task_id"])["result"]["major"] == "Nursing"
    create = bridge.task(
        "student_pilot.create_application",
        {
            "studentId": "new-7",
            "scholarshipId": "coca-cola-scholars",
            "applicationData": {"notes": "From the CC"},
        },
    )
    bridge.dispatch(create)
    app = bridge.result(create["task_id"])["result"]
    assert (
        app["status"] == "draft"
        and app["scholarshipId"] == "coca-cola-scholars"
        and app["notes"] == "From the CC"
    )
    listing = bridge.task("student_pilot.get_applications", {"student_id": "new-7"})
    bridge.dispatch(listing)
    assert [
        a["applicationId"] for a in bridge.result(listing["task_id"])["result"]["applications"]
    ] == [app["applicationId"]]
    types = {
        e["type"]
        for tid in (update["task_id"], create["task_id"])
        for e in bridge.cc.wait_for(lambda t=tid: bridge.cc.events_for(t))
    }
    assert {"profile_updated", "application_created"} <= types


def test_bad_payload_fails_without_retry(bridge: Bridge) -> None:
    body = bridge.task(
        "student_pilot.update_profile",
        {"studentId": "x1", "profileData": {"gpa": 9}},
        resources={"priority": 1, "timeout_ms": 5000, "retry": 3},
    )
    bridge.dispatch(body)
    callback = bridge.result(body["task_id"])
    assert callback["status"] == "failed" and callback["error"]["code"] == "validation_error"
    assert callback["error"]["details"][0]["field"] == "gpa"
    with session_scope() as s:
        task = s.exec(select(AgentTask).where(AgentTask.task_id == body["task_id"])).one()
        assert task.attempts == 1


@pytest.mark.parametrize(
    "mutate,code,field",
    [
        (lambda b: b.pop("reply_to"), "validation_error", "reply_to"),
        (lambda b: b.update(extra_field=1), "validation_error", "extra_field"),
        (lambda b: b.update(payload="not an object"), "validation_error", "payload"),
        (
            lambda b: b.update(resources={"timeout_ms": -1}),
            "validation_error",
            "resources.timeout_ms",
        ),
        (lambda b: b.update(action="student_pilot.launch_rockets"), "unknown_action", "action"),
        (
            lambda b: b.update(reply_to="https://evil.example.com/cb"),
            "reply_to_not_allowed",
            "reply_to",
        ),
        (lambda b: b.update(reply_to="ftp://127.0.0.1/cb"), "validation_error", "reply_to"),
    ],
)
def test_invalid_tasks_get_422_with_field_errors_and_store_nothing(
    bridge: Bridge, mutate, code: str, field: str
) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    mutate(body)
    r = bridge.dispatch(body)
    assert r.status_code == 422
    err = r.json()["error"]
    assert err["code"] == code
    assert any(d["field"] == field for d in err["details"]), err
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(AgentTask)).one() == 0


def test_oversized_body_is_413(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.analyze_essay", {"content": "x" * (300 * 1024)})
    r = bridge.dispatch(body)
    assert r.status_code == 413 and r.json()["error"]["code"] == "payload_too_large"


def test_same_task_id_with_a_different_body_is_409(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "a"})
    assert bridge.dispatch(body).status_code == 202
    changed = {**body, "payload": {"studentId": "b"}}
    r = bridge.dispatch(changed)
    assert r.status_code == 409 and r.json()["error"]["code"] == "conflict"


def test_rate_limit_counts_accepted_tasks_per_caller(
    bridge: Bridge, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scholarlink.core.settings import reset_settings_cache

    monkeypatch.setenv("AGENT_RATE_LIMIT_PER_MINUTE", "5")
    reset_settings_cache()
    bodies = [bridge.task("student_pilot.get_profile", {"studentId": f"r{i}"}) for i in range(6)]
    codes = [bridge.dispatch(b).status_code for b in bodies[:5]]
    assert codes == [202] * 5
    limited = bridge.dispatch(bodies[5])
    assert limited.status_code == 429 and 1 <= int(limited.headers["retry-after"]) <= 60
    # A repeat of an accepted task is not a new task: still 202.
    assert bridge.dispatch(bodies[0]).status_code == 202
    # A new `sub` per token is not a new caller: the caller is what verified the token …
    from scholarlink.agent.simulator import sign_task_token
    from tests.integration.conftest import PREVIOUS_SECRET, SECRET

    for n in range(3):
        other = sign_task_token(SECRET, subject=f"another-orchestrator-{n}")
        assert bridge.dispatch(bodies[5], token=other).status_code == 429
    # … so a caller holding another secret (here the previous one) has its own budget.
    assert bridge.dispatch(bodies[5], token=sign_task_token(PREVIOUS_SECRET)).status_code == 202


def test_task_status_needs_auth_and_404s(bridge: Bridge) -> None:
    r = bridge.client.get(f"{bridge.agent_url}/agent/tasks/nope")
    assert r.status_code == 401
    assert bridge.cc.status(bridge.agent_url, "nope").status_code == 404


def test_local_only_and_disabled_modes_show_in_health(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.integration.conftest import bridge_env
    from tests.support.agent_server import agent_asgi
    from tests.support.servers import serve

    bridge_env(monkeypatch, None)
    monkeypatch.delenv("COMMAND_CENTER_URL", raising=False)
    with serve(agent_asgi(), lifespan="on") as url:
        assert httpx.get(f"{url}/health").json()["bridge"]["mode"] == "local_only"
    monkeypatch.delenv("SHARED_SECRET")
    monkeypatch.delenv("SHARED_SECRET_PREVIOUS")
    from scholarlink.core.settings import reset_settings_cache

    reset_settings_cache()
    with serve(agent_asgi(), lifespan="on") as url:
        assert httpx.get(f"{url}/health").json()["bridge"]["mode"] == "disabled"
        assert httpx.get(f"{url}/agent/capabilities").json()["status"] == "disabled"
        assert (
            httpx.post(
                f"{url}/agent/task", json={}, headers={"Authorization": "Bearer x"}
            ).status_code
            == 401
        )


def test_bridge_metrics_are_exported(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    bridge.dispatch(body)
    bridge.result(body["task_id"])
    bridge.cc.wait_for(lambda: bridge.cc.events_for(body["task_id"]))
    text = bridge.client.get(f"{bridge.agent_url}/metrics").text
    assert 'agent_tasks_total{action="student_pilot.get_profile",outcome="rejected"}' in text
    for name in (
        "agent_task_duration_seconds_bucket",
        "agent_delivery_attempts_total",
        "agent_outbox_depth",
        "agent_dead_letters",
        "circuit_breaker_state",
        'http_requests_total{method="POST",route="/agent/task",status="202"}',
    ):
        assert name in text, name
    assert bridge.client.get(f"{bridge.agent_url}/metrics/prometheus").status_code == 200


def test_w3c_traceparent_is_accepted_and_trace_id_reaches_the_callback(bridge: Bridge) -> None:
    body = bridge.task(
        "student_pilot.get_profile",
        {"studentId": "nobody"},
        trace_id="4bf92f3577b34da6a3ce929d0e0e4736",
    )
    token = sign_task_token(SECRET)
    r = bridge.client.post(
        f"{bridge.agent_url}/agent/task",
        json=body,
        headers={
            "Authorization": f"Bearer {token}",
            "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        },
    )
    assert r.status_code == 202
    callback = bridge.result(body["task_id"])
    assert callback["trace_id"] == body["trace_id"]
    [received] = [c for c in bridge.cc.of_kind("callback") if c.body["task_id"] == body["task_id"]]
    assert received.headers["x-trace-id"] == body["trace_id"]
    assert received.headers["traceparent"].startswith(f"00-{body['trace_id']}-")
