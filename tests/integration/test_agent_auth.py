"""Attacks on the JWT check: every one is the same 401 and nothing is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid

import jwt
import pytest
from sqlmodel import func, select

from scholarlink.agent.simulator import sign_task_token
from scholarlink.core.db import session_scope
from scholarlink.models import AgentTask
from tests.integration.conftest import PREVIOUS_SECRET, SECRET, Bridge

GENERIC = {"error": {"code": "unauthorized", "message": "Missing or invalid credentials"}}


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _claims(**over: object) -> dict:
    now = int(time.time())
    claims = {
        "iss": "auto-com-center",
        "aud": "student-pilot",
        "iat": now,
        "exp": now + 300,
        "jti": str(uuid.uuid4()),
    }
    claims.update(over)
    return {k: v for k, v in claims.items() if v is not None}


def _hs256_empty_key(claims: dict) -> str:
    # PyJWT refuses to sign with an empty key, so sign by hand as an attacker would.
    signing_input = f"{_b64({'alg': 'HS256', 'typ': 'JWT'})}.{_b64(claims)}"
    signature = hmac.new(b"", signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{base64.urlsafe_b64encode(signature).rstrip(b'=').decode()}"


ATTACKS = {
    "wrong secret": lambda: jwt.encode(_claims(), "w" * 40, algorithm="HS256"),
    "alg none": lambda: f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims())}.",
    "HS256 with an empty key": lambda: _hs256_empty_key(_claims()),
    "HS512 with the right key": lambda: jwt.encode(_claims(), SECRET, algorithm="HS512"),
    "wrong iss": lambda: jwt.encode(_claims(iss="someone-else"), SECRET, algorithm="HS256"),
    "wrong aud": lambda: jwt.encode(_claims(aud="another-agent"), SECRET, algorithm="HS256"),
    "no exp": lambda: jwt.encode(_claims(exp=None), SECRET, algorithm="HS256"),
    "no iat": lambda: jwt.encode(_claims(iat=None), SECRET, algorithm="HS256"),
    "expired beyond tolerance": lambda: jwt.encode(
        _claims(iat=int(time.time()) - 600, exp=int(time.time()) - 31), SECRET, algorithm="HS256"
    ),
    "iat in the future": lambda: jwt.encode(
        _claims(iat=int(time.time()) + 120), SECRET, algorithm="HS256"
    ),
    "nbf in the future": lambda: jwt.encode(
        _claims(nbf=int(time.time()) + 120), SECRET, algorithm="HS256"
    ),
    "garbage": lambda: "not.a.jwt",
}


@pytest.mark.parametrize("name", list(ATTACKS))
def test_forged_or_stale_tokens_are_refused(bridge: Bridge, name: str) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    r = bridge.dispatch(body, token=ATTACKS[name]())
    assert r.status_code == 401, name
    assert r.json() == GENERIC
    _nothing_stored()


def test_no_token_and_token_in_the_wrong_header(bridge: Bridge) -> None:
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    url = f"{bridge.agent_url}/agent/task"
    good = sign_task_token(SECRET)
    for headers in (
        {},
        {"X-Auth-Token": good},
        {"Authorization": good},
        {"Authorization": f"Token {good}"},
        {"Cookie": f"token={good}"},
    ):
        r = bridge.client.post(url, json=body, headers=headers)
        assert r.status_code == 401 and r.json() == GENERIC, headers
    _nothing_stored()


def test_replayed_jti_is_refused(bridge: Bridge) -> None:
    token = sign_task_token(SECRET)
    first = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    assert bridge.dispatch(first, token=token).status_code == 202
    second = bridge.task("student_pilot.get_profile", {"studentId": "y"})
    r = bridge.dispatch(second, token=token)
    assert r.status_code == 401 and r.json() == GENERIC
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(AgentTask)).one() == 1


def test_clock_tolerance_is_thirty_seconds(bridge: Bridge) -> None:
    now = int(time.time())
    just_expired = jwt.encode(_claims(iat=now - 100, exp=now - 20), SECRET, algorithm="HS256")
    assert (
        bridge.dispatch(
            bridge.task("student_pilot.get_profile", {"studentId": "x"}), token=just_expired
        ).status_code
        == 202
    )


def test_previous_secret_accepted_during_rotation(bridge: Bridge) -> None:
    token = jwt.encode(_claims(), PREVIOUS_SECRET, algorithm="HS256")
    assert (
        bridge.dispatch(
            bridge.task("student_pilot.get_profile", {"studentId": "x"}), token=token
        ).status_code
        == 202
    )


def _nothing_stored() -> None:
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(AgentTask)).one() == 0
