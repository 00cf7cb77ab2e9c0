"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (schemathesis).

Every operation `create_api()` publishes (catalogue, operations, account, documents, payments and
the agent bridge) gets a bounded, derandomised run of generated requests, valid and invalid, on
SQLite and PostgreSQL. No response may be a 5xx, and each must match what the schema declares:
body, status code and (but for the Prometheus text) Content-Type. The agent routes get a
configured bridge (a fresh signed token per request) and no rate limit; a fuzzed task that is
accepted is run by a worker at once and must end in a state whose view matches `ResultOut`.
Requests carry a signed-in student's session cookie, so the student routes are fuzzed past their
sign-in check.

The inputs the fuzzer (and probing around its finds) broke are pinned below as plain tests.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from scholarlink.agent import tasks as agent_tasks
from scholarlink.agent.capabilities import CAPABILITIES
from scholarlink.agent.schemas import TERMINAL, ResultOut
from scholarlink.agent.simulator import CommandCenter, sign_task_token, task_body
from scholarlink.agent.worker import TaskWorker
from scholarlink.api import agent as agent_routes
from scholarlink.api import create_api
from scholarlink.api.deps import SESSION_COOKIE
from scholarlink.api.errors import ErrorBody
from scholarlink.core.db import session_scope
from scholarlink.core.settings import reset_settings_cache
from scholarlink.services import auth
from tests.integration.conftest import SECRET, bridge_env, make_student

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance, status_code_conformance]

# Loaded once from the app itself. The routes read their settings per request, so the fixture
# below configures the bridge after the schema is built.
schema = schemathesis.openapi.from_asgi("/openapi.json", create_api())
_run: dict[str, str] = {}  # this test's simulator callback URL and session cookie


@schema.hook
def map_body(context: Any, body: Any) -> Any:
    """Most generated tasks would stop at the reply_to allow-list or the action check; point two
    in three at the simulator with a real action, so their payloads reach a capability."""
    if context.operation is None or context.operation.path != "/agent/task":
        return body
    if not isinstance(body, dict) or not isinstance(body.get("task_id"), str):
        return body
    pick = zlib.crc32(body["task_id"].encode())
    if pick % 3 == 0 or "callback" not in _run:
        return body
    return {**body, "reply_to": _run["callback"], "action": CAPABILITIES[pick % len(CAPABILITIES)]}


@pytest.fixture
def fuzz_env(
    db: str,
    loaded_catalogue: None,
    command_center: tuple[CommandCenter, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[None]:
    """The catalogue, a bridge configured against a simulator with no rate limits, Stripe
    webhooks configured, and a signed-in student."""
    _, cc_url = command_center
    bridge_env(
        monkeypatch,
        cc_url,
        AGENT_RATE_LIMIT_PER_MINUTE="100000000",
        STRIPE_WEBHOOK_SECRET="whsec_fuzz_" + "x" * 24,
    )
    monkeypatch.setattr(
        agent_routes, "_capability_limiter", agent_routes._WindowLimiter(per_minute=10**9)
    )
    user_id = make_student("42600901", credits=100)
    with session_scope() as s:
        grant = auth.start_session(s, user_id=user_id)
    _run.update(callback=f"{cc_url}/orchestrator/tasks/callback", cookie=grant.token)
    yield
    _run.clear()
    reset_settings_cache()


def _token() -> dict[str, str]:
    return {"Authorization": f"Bearer {sign_task_token(SECRET)}"}


def _settle(task_id: str) -> None:
    """Run the accepted task now: its view must match ResultOut and be terminal, unless the task
    failed in a retryable way and waits for its next attempt."""
    worker = TaskWorker(threads=1)
    try:
        while worker.run_once():
            pass
    finally:
        worker.close()
    with TestClient(schema.app) as client:
        r = client.get(f"/agent/tasks/{task_id}", headers=_token())
    assert r.status_code == 200, r.text
    view = ResultOut.model_validate(r.json())
    if view.status not in TERMINAL:
        with session_scope() as s:
            row = agent_tasks.get(s, task_id)
            assert row is not None
            assert (row.status, row.attempts >= 1, row.error is not None) == (
                "accepted",
                True,
                True,
            ), view


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any, fuzz_env: None) -> None:
    checks = [*CHECKS, content_type_conformance]
    response = case.call_and_validate(
        headers=_token(), cookies={SESSION_COOKIE: _run["cookie"]}, checks=checks
    )
    if case.method == "POST" and case.path == "/agent/task" and response.status_code == 202:
        _settle(response.json()["task_id"])


# -- what the fuzzer found, pinned --------------------------------------------------------------

BEYOND_INT = [2**31, 2**63, 10**30]


@pytest.fixture
def client(fuzz_env: None) -> Iterator[TestClient]:
    with TestClient(create_api(), cookies={SESSION_COOKIE: _run["cookie"]}) as c:
        yield c


@pytest.mark.parametrize("number", BEYOND_INT)
@pytest.mark.parametrize(
    "method,url",
    [
        ("GET", "/api/scholarships/{n}"),
        ("GET", "/api/documents/{n}/download"),
        ("POST", "/api/agent/dead-letters/{n}/replay"),
        ("GET", "/api/scholarships?min_amount={n}"),
        ("GET", "/api/scholarships?max_amount={n}"),
    ],
)
def test_numbers_beyond_the_database_are_invalid(
    client: TestClient, method: str, url: str, number: int
) -> None:
    r = client.request(method, url.format(n=number), headers=_token())
    assert r.status_code == 422, r.text
    assert ErrorBody.model_validate(r.json()).error.code == "validation_error"


@pytest.mark.parametrize(
    "url,status",
    [
        ("/agent/tasks/a%00b", 404),
        ("/agent/tasks/" + "a" * 201, 404),
        ("/api/calendar/a%00b.ics", 404),
        ("/api/scholarships?q=a%00b", 422),
    ],
)
def test_nul_characters_never_reach_the_database(client: TestClient, url: str, status: int) -> None:
    r = client.get(url, headers=_token())
    assert r.status_code == status, r.text
    ErrorBody.model_validate(r.json())


def _nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return value


def _post_raw(client: TestClient, raw: bytes) -> Any:
    return client.post(
        "/agent/task", content=raw, headers={**_token(), "Content-Type": "application/json"}
    )


@pytest.mark.parametrize(
    "change",
    [
        {"trace_id": "a\x00b"},
        {"requested_by": "a\x00b"},
        {"action": "student_pilot.get_profile\x00"},
        {"reply_to": "http://127.0.0.1:9/\x00"},
        {"reply_to": "http://127.0.0.1:9/a b"},
        {"payload": {"studentId": "a\x00b"}},
        {"payload": {"key\x00": 1}},
        {"payload": {"deep": _nested(70)}},
    ],
    ids=[
        "trace_id",
        "requested_by",
        "action",
        "reply_to-nul",
        "reply_to-space",
        "payload-value",
        "payload-key",
        "payload-deep",
    ],
)
def test_task_text_the_database_cannot_store_is_refused(
    client: TestClient, change: dict[str, Any]
) -> None:
    body = task_body("student_pilot.get_profile", {"studentId": "x"}, reply_to=_run["callback"])
    r = client.post("/agent/task", json={**body, **change}, headers=_token())
    assert r.status_code == 422, r.text
    assert ErrorBody.model_validate(r.json()).error.code == "validation_error"
    with session_scope() as s:
        assert agent_tasks.get(s, body["task_id"]) is None


@pytest.mark.parametrize("number", [b"NaN", b"Infinity", b"-Infinity", b"1e999"])
def test_non_finite_numbers_are_refused(client: TestClient, number: bytes) -> None:
    raw = (
        b'{"task_id": "t-nan", "action": "student_pilot.get_profile", "payload": {"gpa": '
        + number
        + b'}, "reply_to": "http://127.0.0.1:9/cb", "trace_id": "t", "requested_by": "r"}'
    )
    r = _post_raw(client, raw)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["details"][0]["field"] == "body"


def test_a_body_nested_past_the_stack_is_refused(client: TestClient) -> None:
    depth = 100_000  # under 256 KiB, far past Python's recursion limit
    r = _post_raw(client, b"[" * depth + b"]" * depth)
    assert r.status_code == 422, r.text


def test_published_errors_are_the_envelope_sent(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert "HTTPValidationError" not in spec["components"]["schemas"]
    declared = spec["paths"]["/api/scholarships"]["get"]["responses"]["422"]
    assert declared["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/ErrorBody"
    }
    r = client.get("/api/scholarships", params={"page": 0})
    assert r.status_code == 422
    ErrorBody.model_validate(r.json())
