"""What an attack run found open on the bridge, each closed (issue 12, items 6–11)."""

from __future__ import annotations

import time
import uuid

import httpx
import jwt
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_http_event
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse
from starlette.routing import Mount, Route

from scholarlink.agent import outbox
from scholarlink.agent.simulator import CommandCenter, sign_task_token
from scholarlink.core.db import session_scope
from scholarlink.core.settings import get_settings
from scholarlink.models import OutboxMessage
from tests.integration.conftest import SECRET, Bridge, bridge_env
from tests.support.agent_server import agent_asgi
from tests.support.servers import serve


def _claims(**over: object) -> dict:
    now = int(time.time())
    claims = {"iss": "auto-com-center", "aud": "student-pilot", "iat": now, "exp": now + 60}
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


# -- item 6: a malformed reply_to is refused at intake; one bad message never jams the rest ----


@pytest.mark.parametrize(
    "reply_to",
    [
        "http://127.0.0.1:9401:80/",
        "http://127.0.0.1:99999/cb",
        "http://127.0.0.1:0/cb",
        "http://user:pass@127.0.0.1/cb",
        "http://127.0.0.1/cb#fragment",
        "http://[::1/cb",
        "http:///cb",
    ],
)
def test_malformed_reply_to_is_a_422(bridge: Bridge, reply_to: str) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    body["reply_to"] = reply_to
    r = bridge.dispatch(body)
    assert r.status_code == 422, r.text
    assert any(d["field"] == "reply_to" for d in r.json()["error"]["details"])


def test_an_unsendable_message_is_dead_lettered_and_the_rest_still_go(bridge: Bridge) -> None:
    # A row as an older version accepted it (before intake checked ports fully).
    with session_scope() as s:
        outbox.enqueue(
            s,
            kind="callback",
            destination="http://127.0.0.1:9401:80/",
            payload={"task_id": "old", "status": "succeeded"},
            message_id="callback:old:succeeded",
            task_id="old",
        )
    body = bridge.task("student_pilot.get_profile", {"studentId": "nobody"})
    assert bridge.dispatch(body).status_code == 202
    assert bridge.result(body["task_id"])["status"] == "rejected"
    with session_scope() as s:
        bad = s.exec(
            select(OutboxMessage).where(OutboxMessage.message_id == "callback:old:succeeded")
        ).one()
    deadline = time.monotonic() + 10
    while bad.status != "dead" and time.monotonic() < deadline:
        time.sleep(0.1)
        with session_scope() as s:
            bad = s.get(OutboxMessage, bad.id)
    assert bad.status == "dead" and (bad.last_error or "").startswith("unsendable: ")


# -- item 7: breakers per endpoint, counting only 5xx / timeouts / connection errors ------------


def test_a_failing_path_does_not_hold_back_the_command_centers_other_endpoints(
    db: str, loaded_catalogue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cc = CommandCenter(SECRET)
    broken_hits: list[int] = []

    async def broken(request: Request) -> PlainTextResponse:
        broken_hits.append(1)
        return PlainTextResponse("down", status_code=500)

    app = Starlette(routes=[Route("/broken", broken, methods=["POST"]), Mount("/", cc.app())])
    with serve(app) as cc_url:
        bridge_env(monkeypatch, cc_url)
        with serve(agent_asgi(), lifespan="on") as agent_url, httpx.Client(timeout=30) as client:
            bridge = Bridge(cc, cc_url, agent_url, client)
            failing = [
                {**bridge.task("student_pilot.get_profile", {"studentId": f"f{n}"})}
                for n in range(6)
            ]
            for body in failing:
                body["reply_to"] = f"{cc_url}/broken"
                assert bridge.dispatch(body).status_code == 202
            cc.wait_for(lambda: len(broken_hits) >= 6, timeout=20)
            started = time.monotonic()
            good = bridge.task("student_pilot.get_profile", {"studentId": "g"})
            assert bridge.dispatch(good).status_code == 202
            assert bridge.result(good["task_id"], timeout=10)["status"] == "rejected"
            # Delivered within a couple of worker passes, not after the broken path's breaker.
            assert time.monotonic() - started < 8
    # A 4xx is an answer, not an outage: it never opens a breaker.
    guard = outbox.destination_breaker("http://127.0.0.1:1/gone")
    guard.reset()
    for _ in range(10):
        guard.record_success()  # what deliver_due records for a 404
    assert guard.state == "closed"


# -- item 8: host[:port] allow-list, never the agent itself; reasons only; no destinations ------


def test_allow_list_entries_are_host_and_port(
    db: str, command_center: tuple[CommandCenter, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    cc, cc_url = command_center
    bridge_env(monkeypatch, cc_url, CALLBACK_ALLOWED_HOSTS="127.0.0.1:7777,hooks.example.org")
    settings = get_settings()
    assert settings.callback_allowed("http://127.0.0.1:7777/cb")
    assert settings.callback_allowed(f"{cc_url}/anything")  # the CC's own origin
    assert settings.callback_allowed("https://hooks.example.org/cb")  # no port = default port
    assert not settings.callback_allowed("https://hooks.example.org:8443/cb")
    assert not settings.callback_allowed("http://127.0.0.1:7778/cb")  # same host, other port
    with serve(agent_asgi(), lifespan="on") as agent_url:
        monkeypatch.setenv("AGENT_BASE_URL", agent_url)
        port = agent_url.rsplit(":", 1)[1]
        monkeypatch.setenv("CALLBACK_ALLOWED_HOSTS", f"127.0.0.1:{port}")
        from scholarlink.core.settings import reset_settings_cache

        reset_settings_cache()
        assert not get_settings().callback_allowed(f"{agent_url}/agent/task")
        body = {
            "task_id": str(uuid.uuid4()),
            "action": "student_pilot.get_profile",
            "payload": {"studentId": "x"},
            "reply_to": f"{agent_url}/api/agent/dead-letters/1/replay",
            "trace_id": "t",
            "requested_by": "r",
        }
        r = cc.dispatch(agent_url, body)
        assert r.status_code == 422 and r.json()["error"]["code"] == "reply_to_not_allowed"


def test_dead_letters_keep_the_status_not_the_receivers_words(
    db: str, loaded_catalogue: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    cc = CommandCenter(SECRET)

    async def refuse(request: Request) -> JSONResponse:
        return JSONResponse({"secret": "internal-token-abc123"}, status_code=403)

    app = Starlette(routes=[Route("/refuse", refuse, methods=["POST"]), Mount("/", cc.app())])
    with serve(app) as cc_url:
        bridge_env(monkeypatch, cc_url)
        with serve(agent_asgi(), lifespan="on") as agent_url, httpx.Client(timeout=30) as client:
            bridge = Bridge(cc, cc_url, agent_url, client)
            body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
            body["reply_to"] = f"{cc_url}/refuse"
            assert bridge.dispatch(body).status_code == 202

            def dead() -> list:
                headers = {"Authorization": f"Bearer {sign_task_token(SECRET)}"}  # jti: once
                r = client.get(f"{agent_url}/api/agent/dead-letters", headers=headers)
                return [d for d in r.json()["dead_letters"] if d["task_id"] == body["task_id"]]

            [letter] = cc.wait_for(dead, timeout=20)
            assert letter["last_status_code"] == 403 and letter["last_error"] == "HTTP 403"
            assert "internal-token" not in str(letter)
            # The public reliability view names kinds of dependency, never where they are.
            public = client.get(f"{agent_url}/api/health/reliability").json()
            text = str(public)
            assert "127.0.0.1" not in text and cc_url.rsplit(":", 1)[1] not in text
            assert {"openai", "stripe", "storage", "command-center"} <= {
                b["name"] for b in public["breakers"]
            }
            # The operator, with the bridge's JWT, sees the destinations.
            assert client.get(f"{agent_url}/api/agent/reliability").status_code == 401
            details = client.get(
                f"{agent_url}/api/agent/reliability",
                headers={"Authorization": f"Bearer {sign_task_token(SECRET)}"},
            ).json()
            assert any("/refuse" in b["name"] for b in details["breakers"])


# -- item 9: token lifetime, and a rate limit the caller cannot dodge ----------------------------


@pytest.mark.parametrize(
    "claims",
    [
        pytest.param(lambda: _claims(exp=int(time.time()) + 301), id="lifetime-301s"),
        pytest.param(lambda: _claims(exp=4_102_444_800, jti=None), id="no-jti-expiring-in-2100"),
    ],
)
def test_long_lived_tokens_are_refused(bridge: Bridge, claims: object) -> None:
    token = jwt.encode(claims(), SECRET, algorithm="HS256")  # type: ignore[operator]
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    assert bridge.dispatch(body, token=token).status_code == 401


def test_a_claim_named_like_the_caller_key_is_not_trusted(bridge: Bridge) -> None:
    from scholarlink.agent.auth import CALLER_CLAIM, caller_of, decode_inbound

    token = jwt.encode(_claims(**{CALLER_CLAIM: "someone-else"}), SECRET, algorithm="HS256")
    assert caller_of(decode_inbound(token, get_settings())) == "auto-com-center@current-secret"


# -- item 11: events are CloudEvents in binary content mode ------------------------------------


def test_every_event_parses_with_the_official_cloudevents_sdk(bridge: Bridge) -> None:
    body = bridge.task(
        "student_pilot.update_profile", {"studentId": "ce-1", "profileData": {"gpa": 3.5}}
    )
    assert bridge.dispatch(body).status_code == 202
    bridge.result(body["task_id"])
    received = bridge.cc.wait_for(
        lambda: (
            len(
                evs := [
                    r
                    for r in bridge.cc.of_kind("event")
                    if r.body["data"].get("task_id") == body["task_id"]
                ]
            )
            >= 2
            and evs
        )
    )
    for r in received:
        event = from_http_event(HTTPMessage(headers=r.headers, body=r.raw))
        assert event.get_specversion() == "1.0"
        assert event.get_id() == r.body["event_id"]
        assert event.get_type() == r.body["type"] and event.get_source() == "student-pilot"
        assert event.get_subject() == f"task/{body['task_id']}"
        traceparent = event.get_extension("traceparent")
        assert traceparent.startswith("00-") and len(traceparent) == 55
        # In binary mode the body is the event's data: the seed's fields, task_id in its `data`.
        data = event.get_data()
        assert isinstance(data, dict) and data == r.body
        assert data["data"]["task_id"] == body["task_id"]
        assert r.headers["content-type"] == "application/json"
    assert [r.body["type"] for r in received] == ["profile_updated", "task_completed"]


# -- item 10: numbers no row can have are validation errors, not internal errors ---------------


@pytest.mark.parametrize("scholarship_id", [10**30, 2**31, 0, -5, "9" * 40])
def test_create_application_with_an_impossible_scholarship_id_is_a_validation_error(
    bridge: Bridge, scholarship_id: object
) -> None:
    from tests.integration.conftest import make_student

    make_student("appl-1")
    body = bridge.task(
        "student_pilot.create_application",
        {"studentId": "appl-1", "scholarshipId": scholarship_id},
    )
    assert bridge.dispatch(body).status_code == 202
    result = bridge.result(body["task_id"])
    assert result["status"] in ("failed", "rejected")
    assert result["error"]["code"] == "validation_error", result
