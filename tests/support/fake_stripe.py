"""A small stateful stand-in for the Stripe API (no stripe-mock on these registries).

It implements what ScholarLink calls — Checkout Session create (with Idempotency-Key replay) and
retrieve — in Stripe's wire format (form-encoded bracket parameters in, JSON out, Stripe's error
shape), so the real `stripe` SDK is pointed at it with STRIPE_API_BASE and never patched. It also
builds the webhook events Stripe would send, signed like Stripe signs them.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl

import stripe
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

API_KEY = "sk_test_fake_scholarlink"
WEBHOOK_SECRET = "whsec_test_fake_scholarlink"


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding (`a[b][0][c]=v`) back into nested dicts and lists."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(value: Any) -> Any:
        if isinstance(value, dict):
            if value and all(k.isdigit() for k in value):
                return [listify(value[k]) for k in sorted(value, key=int)]
            return {k: listify(v) for k, v in value.items()}
        return value

    return listify(root)


def stripe_error(
    status: int, message: str, *, type_: str = "invalid_request_error", **extra: str
) -> JSONResponse:
    return JSONResponse(
        {"error": {"type": type_, "message": message, **extra}},
        status_code=status,
        headers={"Request-Id": f"req_{uuid.uuid4().hex[:14]}"},
    )


def sign(payload: str, secret: str = WEBHOOK_SECRET, timestamp: int | None = None) -> str:
    """The Stripe-Signature header for `payload`, as Stripe computes it."""
    generate = getattr(getattr(stripe, "WebhookSignature", None), "generate_signature_header", None)
    if generate is not None:
        return str(generate(payload, secret, timestamp))
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass
class FakeStripe:
    base_url: str = "http://fake-stripe.invalid"
    sessions: dict[str, dict[str, Any]] = field(default_factory=dict)
    idempotent: dict[str, tuple[dict[str, Any], int, dict[str, Any]]] = field(default_factory=dict)
    requests: list[dict[str, Any]] = field(default_factory=list)
    # Knobs: answer the next N creates with a 500 *after* creating the session (a lost
    # response), or refuse every create with a 400.
    lose_next_responses: int = 0
    refuse_creates: bool = False
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(
            routes=[
                Route("/v1/checkout/sessions", self.create_session, methods=["POST"]),
                Route("/v1/checkout/sessions/{sid}", self.get_session, methods=["GET"]),
                # A stand-in for Stripe's hosted checkout page, for browser tests.
                Route("/pay/{sid}", self.checkout_page, methods=["GET"]),
                Route("/pay/{sid}", self.checkout_submit, methods=["POST"]),
            ]
        )

    def _authorised(self, request: Request) -> bool:
        return request.headers.get("authorization", "") == f"Bearer {API_KEY}"

    async def create_session(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return stripe_error(401, "Invalid API Key provided: sk_****")
        params = decode_form((await request.body()).decode())
        key = request.headers.get("idempotency-key")
        with self._lock:
            self.requests.append({"params": params, "idempotency_key": key})
            if key and key in self.idempotent:
                first_params, status, body = self.idempotent[key]
                if first_params != params:
                    return stripe_error(
                        400,
                        "Keys for idempotent requests can only be used with the same parameters "
                        "they were first used with.",
                        type_="idempotency_error",
                    )
                return JSONResponse(
                    body, status_code=status, headers={"Idempotent-Replayed": "true"}
                )
            if self.refuse_creates:
                return stripe_error(
                    400, "Invalid currency: xyz.", param="line_items[0][price_data][currency]"
                )
            problem = self._validate(params)
            if problem:
                return stripe_error(400, problem[1], param=problem[0], code="parameter_missing")
            session = self._new_session(params)
            if key:
                self.idempotent[key] = (params, 200, session)
            if self.lose_next_responses > 0:
                self.lose_next_responses -= 1
                return stripe_error(500, "An unknown error occurred", type_="api_error")
        return JSONResponse(session)

    def _validate(self, params: dict[str, Any]) -> tuple[str, str] | None:
        for name in ("mode", "success_url", "line_items"):
            if not params.get(name):
                return name, f"Missing required param: {name}."
        if params["mode"] != "payment":
            return "mode", f"Invalid mode: {params['mode']}"
        for i, item in enumerate(params["line_items"]):
            price = item.get("price_data") or {}
            for name in ("currency", "unit_amount"):
                if not price.get(name):
                    return (
                        f"line_items[{i}][price_data][{name}]",
                        f"Missing required param: {name}.",
                    )
        return None

    def _new_session(self, params: dict[str, Any]) -> dict[str, Any]:
        sid = f"cs_test_{uuid.uuid4().hex}"
        total = sum(
            int(item["price_data"]["unit_amount"]) * int(item.get("quantity", 1))
            for item in params["line_items"]
        )
        session = {
            "id": sid,
            "object": "checkout.session",
            "mode": params["mode"],
            "status": "open",
            "payment_status": "unpaid",
            "url": f"{self.base_url}/pay/{sid}",
            "amount_total": total,
            "currency": params["line_items"][0]["price_data"]["currency"],
            "client_reference_id": params.get("client_reference_id"),
            "metadata": params.get("metadata", {}),
            "success_url": params["success_url"],
            "cancel_url": params.get("cancel_url"),
            "payment_intent": None,
            "livemode": False,
            "created": int(time.time()),
            "expires_at": int(time.time()) + 86400,
        }
        self.sessions[sid] = session
        return session

    async def get_session(self, request: Request) -> JSONResponse:
        if not self._authorised(request):
            return stripe_error(401, "Invalid API Key provided: sk_****")
        session = self.sessions.get(request.path_params["sid"])
        if session is None:
            return stripe_error(
                404,
                f"No such checkout.session: '{request.path_params['sid']}'",
                param="session",
                code="resource_missing",
            )
        return JSONResponse(session)

    async def checkout_page(self, request: Request) -> HTMLResponse:
        sid = request.path_params["sid"]
        session = self.sessions.get(sid)
        if session is None:
            return HTMLResponse("<h1>No such checkout</h1>", status_code=404)
        amount = session.get("amount_total", 0) / 100
        return HTMLResponse(
            f"<h1>Fake Stripe checkout</h1><p>Pay ${amount:,.2f}</p>"
            f'<form method="post"><button type="submit">Pay</button></form>'
        )

    async def checkout_submit(self, request: Request) -> RedirectResponse:
        sid = request.path_params["sid"]
        session = self.pay(sid)
        return RedirectResponse(
            session["success_url"].replace("{CHECKOUT_SESSION_ID}", sid), status_code=303
        )

    # -- what the student and Stripe do next -------------------------------------------------

    def pay(self, sid: str) -> dict[str, Any]:
        """The student pays: the session completes with a payment intent."""
        session = self.sessions[sid]
        session.update(
            status="complete",
            payment_status="paid",
            payment_intent=session["payment_intent"] or f"pi_{uuid.uuid4().hex[:24]}",
        )
        return session

    def expire(self, sid: str) -> dict[str, Any]:
        self.sessions[sid].update(status="expired")
        return self.sessions[sid]

    @staticmethod
    def event(event_type: str, obj: dict[str, Any], event_id: str | None = None) -> str:
        return json.dumps(
            {
                "id": event_id or f"evt_{uuid.uuid4().hex[:24]}",
                "object": "event",
                "api_version": "2025-01-27.acacia",
                "created": int(time.time()),
                "type": event_type,
                "livemode": False,
                "pending_webhooks": 1,
                "request": {"id": None, "idempotency_key": None},
                "data": {"object": dict(obj)},
            }
        )

    def completed_event(self, sid: str) -> str:
        return self.event("checkout.session.completed", self.pay(sid))

    def refund_event(self, sid: str, *, amount_refunded: int | None = None) -> str:
        session = self.sessions[sid]
        amount = session["amount_total"]
        refunded = amount if amount_refunded is None else amount_refunded
        charge = {
            "id": f"ch_{uuid.uuid4().hex[:24]}",
            "object": "charge",
            "amount": amount,
            "amount_refunded": refunded,
            "refunded": refunded >= amount,
            "currency": session["currency"],
            "payment_intent": session["payment_intent"],
            "status": "succeeded",
        }
        return self.event("charge.refunded", charge)
