"""Property-based fuzzing of the HTTP API from its own OpenAPI schema (schemathesis).

Every operation `create_api()` publishes (catalogue, operations, account, documents, payments and
the agent bridge) gets a bounded, derandomised run of generated requests, valid and invalid, on
SQLite and PostgreSQL. Each response must not be a 5xx and must match the schema where the schema
declares one. The agent routes get a configured bridge (a fresh signed token per request) and no
rate limit; a fuzzed task that is accepted is run by a worker at once and must end in a terminal
state whose view matches `ResultOut`.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from scholarlink.agent import routes as agent_routes
from scholarlink.agent.schemas import TERMINAL, ResultOut
from scholarlink.agent.simulator import CommandCenter, sign_task_token
from scholarlink.agent.worker import TaskWorker
from scholarlink.api import create_api
from scholarlink.capabilities import CAPABILITIES
from tests.integration.conftest import SECRET, bridge_env

MAX_EXAMPLES = 25
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.fixture
def api_schema(
    db: str,
    loaded_catalogue: None,
    command_center: tuple[CommandCenter, str],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[Any]:
    _, cc_url = command_center
    bridge_env(monkeypatch, cc_url, AGENT_RATE_LIMIT_PER_MINUTE="100000000")
    monkeypatch.setattr(
        agent_routes, "_capability_limiter", agent_routes._WindowLimiter(per_minute=10**9)
    )
    schema = schemathesis.openapi.from_asgi("/openapi.json", create_api())
    callback = f"{cc_url}/orchestrator/tasks/callback"

    @schema.hook
    def map_body(context: Any, body: Any) -> Any:
        """Most generated tasks would stop at the reply_to allow-list or the action check; point
        two in three at the simulator with a real action so the payloads reach a capability."""
        if context.operation is None or context.operation.path != "/agent/task":
            return body
        if not isinstance(body, dict) or not isinstance(body.get("task_id"), str):
            return body
        pick = zlib.crc32(body["task_id"].encode())
        if pick % 3 == 0:
            return body
        return {**body, "reply_to": callback, "action": CAPABILITIES[pick % len(CAPABILITIES)]}

    yield schema


schema = schemathesis.pytest.from_fixture("api_schema")


def _settle(task_id: str, case: Any) -> None:
    """Run the accepted task now, then its status must be terminal and match ResultOut."""
    worker = TaskWorker(threads=1)
    try:
        while worker.run_once():
            pass
    finally:
        worker.close()
    response = case.operation.schema.app  # the ASGI app under test
    from fastapi.testclient import TestClient

    with TestClient(response) as client:
        r = client.get(
            f"/agent/tasks/{task_id}",
            headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
        )
    assert r.status_code == 200, r.text
    view = ResultOut.model_validate(r.json())
    assert view.status in TERMINAL, view


@schema.parametrize()
@settings(
    max_examples=MAX_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
def test_api_conforms_to_its_schema(case: Any) -> None:
    headers = {"Authorization": f"Bearer {sign_task_token(SECRET)}"}
    response = case.call_and_validate(headers=headers, checks=CHECKS)
    if case.method == "POST" and case.path == "/agent/task" and response.status_code == 202:
        _settle(response.json()["task_id"], case)
