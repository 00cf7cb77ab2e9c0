"""Stripe's webhook: the raw body and its Stripe-Signature header go to the payments service."""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.concurrency import run_in_threadpool

from scholarlink.api.errors import error_responses
from scholarlink.services import payments

router = APIRouter(tags=["payments"])


@router.post("/api/stripe/webhook", responses=error_responses(400, 503))
async def stripe_webhook(request: Request) -> dict[str, bool]:
    """Verified with STRIPE_WEBHOOK_SECRET: a bad signature is a 400 and changes nothing;
    every verified event (handled, duplicate or ignored) is acknowledged with 200."""
    payload = await request.body()
    signature = request.headers.get("stripe-signature", "")
    await run_in_threadpool(payments.handle_webhook, payload, signature)
    return {"received": True}
