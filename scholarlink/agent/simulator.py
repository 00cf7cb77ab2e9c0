"""A small Command Center for development and tests.

It signs and dispatches tasks to an agent over real HTTP, receives registration, heartbeats,
callbacks and events, verifies their signatures, keeps what it received, and can be told to
fail (5xx, slow answers, 410, 429) so the agent's retry paths run.

    scholarlink cc serve --port 9000
    scholarlink cc dispatch --agent http://127.0.0.1:8000 --action student_pilot.analyze_essay \
        --payload '{"content": "…"}'
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

import httpx
import jwt
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from scholarlink.agent.auth import COMMAND_CENTER_ISSUER


def sign_task_token(
    secret: str,
    *,
    audience: str = "student-pilot",
    subject: str = "command-center",
    ttl: int = 300,
    **overrides: Any,
) -> str:
    now = int(time.time())
    claims = {
        "iss": COMMAND_CENTER_ISSUER,
        "aud": audience,
        "sub": subject,
        "iat": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    claims.update(overrides)
    return jwt.encode({k: v for k, v in claims.items() if v is not None}, secret, algorithm="HS256")


def task_body(
    action: str, payload: dict[str, Any], *, reply_to: str, task_id: str | None = None, **extra: Any
) -> dict[str, Any]:
    return {
        "task_id": task_id or str(uuid.uuid4()),
        "action": action,
        "payload": payload,
        "reply_to": reply_to,
        "trace_id": extra.pop("trace_id", uuid.uuid4().hex),
        "requested_by": extra.pop("requested_by", "simulator"),
        **extra,
    }


@dataclass
class Received:
    kind: str
    body: dict[str, Any]
    headers: dict[str, str]
    raw: bytes = b""
    at: float = field(default_factory=time.monotonic)


@dataclass
class CommandCenter:
    secret: str
    agent_id: str = "student-pilot"
    # Failure injection: status to answer with (None = 200), seconds to stall, Retry-After to send.
    fail_status: int | None = None
    stall_seconds: float = 0.0
    retry_after: str | None = None
    received: list[Received] = field(default_factory=list)
    rejected_signatures: int = 0
    agents: dict[str, dict[str, Any]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/orchestrator/register", self._handler("register"), methods=["POST"]),
                Route("/orchestrator/heartbeat", self._handler("heartbeat"), methods=["POST"]),
                Route("/orchestrator/tasks/callback", self._handler("callback"), methods=["POST"]),
                Route("/orchestrator/events", self._handler("event"), methods=["POST"]),
                Route("/orchestrator/agents", self._list_agents, methods=["GET"]),
            ]
        )

    def _verify(self, request: Request) -> bool:
        auth = request.headers.get("authorization", "")
        if not auth.lower().startswith("bearer "):
            return False
        try:
            jwt.decode(
                auth[7:],
                self.secret,
                algorithms=["HS256"],
                audience=COMMAND_CENTER_ISSUER,
                issuer=self.agent_id,
                options={"require": ["exp", "iat", "jti"]},
            )
        except jwt.PyJWTError:
            return False
        return request.headers.get("x-agent-id") == self.agent_id

    def _handler(self, kind: str) -> Any:
        async def handle(request: Request) -> JSONResponse:
            if not self._verify(request):
                with self._lock:
                    self.rejected_signatures += 1
                return JSONResponse({"error": "bad signature"}, status_code=401)
            if self.stall_seconds:
                await asyncio.sleep(self.stall_seconds)
            if self.fail_status is not None:
                headers = {"Retry-After": self.retry_after} if self.retry_after else None
                return JSONResponse(
                    {"error": "injected failure"}, status_code=self.fail_status, headers=headers
                )
            raw = await request.body()
            body = json.loads(raw)
            with self._lock:
                self.received.append(Received(kind, body, dict(request.headers), raw))
                if kind in ("register", "heartbeat"):
                    self.agents[body["agent_id"]] = {**body, "kind": kind}
            return JSONResponse({"ok": True})

        return handle

    async def _list_agents(self, request: Request) -> JSONResponse:
        with self._lock:
            return JSONResponse({"agents": list(self.agents.values())})

    # -- reading what arrived ---------------------------------------------------------------

    def of_kind(self, kind: str) -> list[Received]:
        with self._lock:
            return [r for r in self.received if r.kind == kind]

    def callbacks_for(self, task_id: str) -> list[dict[str, Any]]:
        return [r.body for r in self.of_kind("callback") if r.body.get("task_id") == task_id]

    def events_for(self, task_id: str) -> list[dict[str, Any]]:
        return [
            r.body
            for r in self.of_kind("event")
            if isinstance(r.body.get("data"), dict) and r.body["data"].get("task_id") == task_id
        ]

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
        raise TimeoutError("the Command Center did not receive what was expected")

    # -- dispatching ------------------------------------------------------------------------

    def dispatch(
        self,
        agent_url: str,
        body: dict[str, Any],
        *,
        token: str | None = None,
        client: httpx.Client | None = None,
    ) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {token or sign_task_token(self.secret, audience=self.agent_id)}"
        }
        if client is not None:
            return client.post(f"{agent_url}/agent/task", json=body, headers=headers)
        return httpx.post(f"{agent_url}/agent/task", json=body, headers=headers, timeout=30)

    def status(self, agent_url: str, task_id: str) -> httpx.Response:
        headers = {
            "Authorization": f"Bearer {sign_task_token(self.secret, audience=self.agent_id)}"
        }
        return httpx.get(f"{agent_url}/agent/tasks/{task_id}", headers=headers, timeout=30)
