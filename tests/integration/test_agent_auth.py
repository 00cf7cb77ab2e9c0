"""Attacks on the JWT check: every one is the same 401 and nothing is stored."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import jwt
import pytest
import sqlalchemy as sa
from sqlmodel import func, select

from scholarlink.agent.simulator import sign_task_token
from scholarlink.core.db import get_engine, session_scope
from scholarlink.models import AgentTask, UsedJti
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


REFUSED_BODIES = {
    "not JSON": (b"{not json", 422),
    "unknown action": (None, 422),
    "over 256 KiB": (b"[" + b" " * (300 * 1024) + b"]", 413),
}


def _post_raw(bridge: Bridge, content: bytes, token: str) -> Any:
    return bridge.client.post(
        f"{bridge.agent_url}/agent/task",
        content=content,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
    )


@pytest.mark.parametrize("name", list(REFUSED_BODIES))
def test_a_token_is_spent_by_a_refused_body(bridge: Bridge, name: str) -> None:
    """The token's id is spent with the task when one is accepted, and on its own when the body
    is refused: either way it cannot be used a second time."""
    content, status = REFUSED_BODIES[name]
    if content is None:
        content = json.dumps(bridge.task("student_pilot.no_such_thing", {})).encode()
    token = sign_task_token(SECRET)
    assert _post_raw(bridge, content, token).status_code == status
    good = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    r = bridge.dispatch(good, token=token)
    assert r.status_code == 401 and r.json() == GENERIC
    _nothing_stored()
    # And a token used already is refused before its body is looked at.
    again = sign_task_token(SECRET)
    assert bridge.dispatch(good, token=again).status_code == 202
    r = _post_raw(bridge, content, again)
    assert r.status_code == 401 and r.json() == GENERIC


@contextmanager
def _transactions() -> Iterator[list[list[str]]]:
    """The statements of each transaction committed on the engine meanwhile (any thread)."""
    engine = get_engine()
    open_: dict[int, list[str]] = defaultdict(list)
    committed: list[list[str]] = []

    def executed(conn: sa.Connection, _cursor: Any, statement: str, *_: Any) -> None:
        open_[id(conn)].append(" ".join(statement.split()))

    def commit(conn: sa.Connection) -> None:
        committed.append(open_.pop(id(conn), []))

    def rollback(conn: sa.Connection) -> None:
        open_.pop(id(conn), None)

    sa.event.listen(engine, "before_cursor_execute", executed)
    sa.event.listen(engine, "commit", commit)
    sa.event.listen(engine, "rollback", rollback)
    try:
        yield committed
    finally:
        sa.event.remove(engine, "before_cursor_execute", executed)
        sa.event.remove(engine, "commit", commit)
        sa.event.remove(engine, "rollback", rollback)


def test_acceptance_is_one_commit(bridge: Bridge) -> None:
    """The token's id and the task are written in one transaction: one commit (one flush to
    disk) per accepted task, and a replay leaves no task behind."""
    body = bridge.task("student_pilot.get_profile", {"studentId": "x"})
    with _transactions() as committed:
        assert bridge.dispatch(body).status_code == 202
    # (On PostgreSQL the token id's insert is a CTE of the statement that takes the caller's lock.)
    writes = [
        t
        for t in committed
        if any("INSERT INTO used_jtis" in s or "INSERT INTO agent_tasks" in s for s in t)
    ]
    assert len(writes) == 1, writes
    [statements] = writes
    assert any("INSERT INTO used_jtis" in s for s in statements)
    assert any(s.startswith("INSERT INTO agent_tasks") for s in statements)
    with session_scope() as s:
        assert s.exec(select(func.count()).select_from(UsedJti)).one() == 1


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
