"""Buying credits: Stripe Checkout, a signed webhook that fulfils each purchase exactly once,
refunds, and a clearly labelled test mode for development without Stripe keys.

A purchase row is committed (pending) before Stripe is called, so every Checkout Session has a
purchase to fulfil. Fulfilment locks the purchase row (PostgreSQL `SELECT … FOR UPDATE`; SQLite
serialises writers with `BEGIN IMMEDIATE`) and books the credits with the ledger reference
`purchase:<id>`, which is unique: replayed, reordered and concurrent webhook deliveries, the
success page's own check and the test-mode button all credit a purchase once.

Refunds (`charge.refunded`, full refunds only) reverse the purchase's credits with the reference
`refund:<id>`. The balance never goes negative: if the student already spent part of the credits,
only what is left is reversed and the shortfall is written in the entry's description and logged
for an operator (the money went back; the credits already bought AI work).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import stripe
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.breakers import CircuitBreaker, CircuitOpen, breaker
from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, session_scope, use_case
from scholarlink.core.errors import (
    Conflict,
    ServiceError,
    Unavailable,
    ValidationFailed,
)
from scholarlink.core.settings import Settings, get_settings
from scholarlink.models import CreditAccount, Purchase
from scholarlink.services.credits import MILLI, balance, credits, post_entry

log = logging.getLogger(__name__)

CURRENCY = "usd"
STRIPE_TIMEOUT_SECONDS = 20
# Safe to retry: every create carries an idempotency key derived from the purchase.
STRIPE_MAX_NETWORK_RETRIES = 2

CheckoutMode = Literal["stripe", "test", "disabled"]


@dataclass(frozen=True)
class Package:
    key: str
    name: str
    amount_cents: int
    credits: int
    bonus_percent: int

    @property
    def price(self) -> str:
        return f"${self.amount_cents / 100:,.2f}"


PACKAGES: dict[str, Package] = {
    p.key: p
    for p in (
        Package("starter", "Starter", 999, 9_990, 0),
        Package("basic", "Basic", 4_999, 52_490, 5),
        Package("pro", "Pro", 9_999, 109_990, 10),
    )
}


class PurchasePublic(BaseModel):
    """A purchase as the credits pages see it."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    user_id: int
    package: str
    amount_cents: int
    credits: int
    status: str
    stripe_session_id: str | None
    test_mode: bool
    created_at: datetime
    paid_at: datetime | None

    @property
    def package_name(self) -> str:
        found = PACKAGES.get(self.package)
        return found.name if found else self.package

    @property
    def price(self) -> str:
        return f"${self.amount_cents / 100:,.2f}"


class PaymentError(ServiceError):
    """Stripe refused or could not be reached; the purchase was canceled, nothing was charged."""

    status = 502
    code = "payment_provider_error"


class PaymentsUnavailable(Unavailable):
    code = "payments_unavailable"


class InvalidWebhook(ServiceError):
    status = 400
    code = "invalid_webhook"


@dataclass(frozen=True)
class WebhookResult:
    event_id: str
    event_type: str
    outcome: str  # fulfilled | duplicate | unknown_session | refunded | ignored | …


# -- configuration ------------------------------------------------------------------------------


def checkout_mode(settings: Settings | None = None) -> CheckoutMode:
    """`stripe` with a secret key; `test` without one in development; otherwise `disabled`."""
    settings = settings or get_settings()
    if settings.stripe_secret_key is not None and settings.stripe_secret_key.get_secret_value():
        return "stripe"
    return "test" if settings.environment == "development" else "disabled"


def in_test_mode() -> bool:
    return checkout_mode() == "test"


def _refuse_disabled() -> PaymentsUnavailable:
    return PaymentsUnavailable(
        "Buying credits is not available: Stripe is not configured (STRIPE_SECRET_KEY is unset), "
        "and test-mode checkout only runs in development."
    )


def _client(settings: Settings) -> stripe.StripeClient:
    assert settings.stripe_secret_key is not None
    return stripe.StripeClient(
        settings.stripe_secret_key.get_secret_value(),
        base_addresses={"api": settings.stripe_api_base} if settings.stripe_api_base else None,
        max_network_retries=STRIPE_MAX_NETWORK_RETRIES,
        http_client=stripe.RequestsClient(timeout=STRIPE_TIMEOUT_SECONDS),
    )


def _breaker() -> CircuitBreaker:
    return breaker("stripe", failure_threshold=5, reset_after=30)


def _idempotency_key(purchase: Purchase | PurchasePublic) -> str:
    # The creation time keeps keys unique across database resets on one Stripe account.
    return f"scholarlink-checkout-{purchase.id}-{purchase.created_at:%Y%m%dT%H%M%S%f}"


def _stripe_call(
    what: str,
    call: Any,
    *,
    failure: str = "The payment could not be started: {detail}. Nothing was charged.",
) -> Any:
    """Run one SDK call behind the "stripe" breaker; Stripe errors become PaymentError."""
    try:
        return _breaker().call(call, outage=_stripe_outage)
    except CircuitOpen as exc:
        raise PaymentError(
            "Payments are temporarily unavailable (Stripe is not answering); nothing was "
            "charged. Please try again in a minute."
        ) from exc
    except stripe.StripeError as exc:
        status = exc.http_status
        log.warning(
            "stripe call failed",
            extra={"call": what, "error": type(exc).__name__, "http_status": status},
        )
        detail = (exc.user_message or "Stripe could not be reached").rstrip(". ")
        raise PaymentError(
            failure.format(detail=detail),
            details={"stripe_error": type(exc).__name__, "http_status": status},
        ) from exc


def _stripe_outage(exc: BaseException) -> bool:
    """Only outages count against the dependency: no answer, a 5xx, being throttled (429).
    A refused request (another 4xx) means Stripe answered."""
    if not isinstance(exc, stripe.StripeError):
        return True
    status = exc.http_status
    return status is None or status >= 500 or status == 429


# -- checkout -----------------------------------------------------------------------------------


def package_for(key: str) -> Package:
    package = PACKAGES.get(key)
    if package is None:
        raise ValidationFailed(
            f"Unknown credit package {key!r}; choose one of: {', '.join(PACKAGES)}."
        )
    return package


def _test_checkout_url(test_checkout_url: str, purchase_id: int) -> str:
    return f"{test_checkout_url}?purchase={purchase_id}"


@use_case
def _new_purchase(
    session: Session, *, user_id: int, chosen: Package, test_mode: bool
) -> PurchasePublic:
    purchase = Purchase(
        user_id=user_id,
        package=chosen.key,
        amount_cents=chosen.amount_cents,
        credits=chosen.credits,
        status="pending",
        test_mode=test_mode,
    )
    session.add(purchase)
    session.flush()
    return PurchasePublic.model_validate(purchase)


def start_checkout(
    *, user_id: int, package: str, success_url: str, cancel_url: str, test_checkout_url: str
) -> str:
    """Create a pending purchase and its Checkout Session; returns the URL to send the student to.

    `success_url` may contain Stripe's `{CHECKOUT_SESSION_ID}` placeholder. In test mode the URL
    is the local test-checkout page, `test_checkout_url` (the caller knows its pages' URLs).
    """
    chosen = package_for(package)
    mode = checkout_mode()
    if mode == "disabled":
        raise _refuse_disabled()
    purchase = _new_purchase(user_id=user_id, chosen=chosen, test_mode=mode == "test")
    if mode == "test":
        log.info("test-mode checkout started", extra={"purchase_id": purchase.id})
        return _test_checkout_url(test_checkout_url, purchase.id)
    try:
        checkout = _create_session(purchase, success_url=success_url, cancel_url=cancel_url)
    except PaymentError:
        _cancel_pending(purchase_id=purchase.id)
        raise
    _link_session(purchase_id=purchase.id, session_id=checkout.id)
    if not checkout.url:
        raise PaymentError("Stripe returned a Checkout Session without a URL.")
    return str(checkout.url)


def _create_session(
    purchase: Purchase | PurchasePublic, *, success_url: str, cancel_url: str
) -> Any:
    package = package_for(purchase.package)
    settings = get_settings()
    client = _client(settings)
    metadata = {"purchase_id": str(purchase.id), "user_id": str(purchase.user_id)}
    params: Any = {
        "mode": "payment",
        "success_url": success_url,
        "cancel_url": cancel_url,
        "client_reference_id": str(purchase.id),
        "metadata": metadata,
        "payment_intent_data": {"metadata": metadata},
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": CURRENCY,
                    "unit_amount": purchase.amount_cents,
                    "product_data": {
                        "name": f"ScholarLink {package.name} — {package.credits:,} credits",
                    },
                },
            }
        ],
    }
    return _stripe_call(
        "checkout.sessions.create",
        lambda: client.v1.checkout.sessions.create(
            params=params, options={"idempotency_key": _idempotency_key(purchase)}
        ),
    )


@use_case
def _link_session(session: Session, *, purchase_id: int, session_id: str) -> None:
    purchase = session.exec(
        select(Purchase).where(Purchase.id == purchase_id).with_for_update()
    ).one()
    if purchase.stripe_session_id is None:
        purchase.stripe_session_id = session_id
        session.add(purchase)
        session.flush()


@use_case
def _cancel_pending(session: Session, *, purchase_id: int) -> None:
    purchase = session.exec(
        select(Purchase).where(Purchase.id == purchase_id).with_for_update()
    ).one()
    if purchase.status == "pending":
        purchase.status = "canceled"
        session.add(purchase)
        session.flush()


@use_case
def list_purchases(session: Session, *, user_id: int, limit: int = 100) -> list[PurchasePublic]:
    return [
        PurchasePublic.model_validate(p)
        for p in session.exec(
            select(Purchase)
            .where(Purchase.user_id == user_id)
            .order_by(col(Purchase.id).desc())
            .limit(limit)
        )
    ]


@use_case
def get_purchase(session: Session, *, user_id: int, purchase_id: int) -> PurchasePublic:
    return PurchasePublic.model_validate(
        owned(session, Purchase, purchase_id, owner_id=user_id, what="purchase.")
    )


def resume_checkout(*, user_id: int, purchase_id: int, test_checkout_url: str) -> str | None:
    """The URL to finish a pending purchase, or None when it turned out to be paid already."""
    purchase = get_purchase(user_id=user_id, purchase_id=purchase_id)
    if purchase.status == "paid":
        return None
    if purchase.status != "pending":
        raise Conflict(f"This purchase is {purchase.status}; start a new one.")
    if purchase.test_mode:
        if not in_test_mode():
            raise _refuse_disabled()
        return _test_checkout_url(test_checkout_url, purchase.id)
    if checkout_mode() != "stripe":
        raise _refuse_disabled()
    if purchase.stripe_session_id is None:
        _cancel_pending(purchase_id=purchase_id)
        raise Conflict("This checkout never reached Stripe; start a new one.")
    checkout = _retrieve_session(purchase.stripe_session_id)
    if checkout.status == "open" and checkout.url:
        return str(checkout.url)
    if _sync_session(checkout) in ("fulfilled", "duplicate"):
        return None
    if checkout.status == "complete":
        raise Conflict("Stripe is still processing this payment; credits are added once it clears.")
    raise Conflict("This checkout expired; start a new one.")


@use_case
def _purchase_of_session(
    session: Session, *, user_id: int, stripe_session_id: str
) -> PurchasePublic | None:
    purchase = session.exec(
        select(Purchase).where(
            Purchase.stripe_session_id == stripe_session_id, Purchase.user_id == user_id
        )
    ).first()
    return None if purchase is None else PurchasePublic.model_validate(purchase)


def confirm_checkout(*, user_id: int, stripe_session_id: str) -> PurchasePublic | None:
    """Called by the success page: asks Stripe about the student's own pending session and
    fulfils it when paid (the same exactly-once path as the webhook). Never raises for Stripe
    trouble: the webhook remains the source of truth."""
    purchase = _purchase_of_session(user_id=user_id, stripe_session_id=stripe_session_id)
    if purchase is None or purchase.status != "pending" or checkout_mode() != "stripe":
        return purchase
    try:
        _sync_session(_retrieve_session(stripe_session_id))
    except ServiceError as exc:
        log.warning("could not confirm a checkout session", extra={"error": exc.message})
    return get_purchase(user_id=user_id, purchase_id=purchase.id)


def _retrieve_session(session_id: str) -> Any:
    client = _client(get_settings())
    return _stripe_call(
        "checkout.sessions.retrieve",
        lambda: client.v1.checkout.sessions.retrieve(session_id),
        failure="Stripe could not be asked about this payment ({detail}); please try again.",
    )


def _sync_session(checkout: Any) -> str:
    """Apply what Stripe says about a session (fetched with our key, so authoritative)."""
    if checkout.status == "complete" and checkout.payment_status == "paid":
        return _fulfil_session(
            {
                "id": checkout.id,
                "payment_intent": checkout.payment_intent,
                "metadata": {},
            }
        )
    if checkout.status == "expired":
        return _cancel_session(checkout.id)
    return "pending"


# -- fulfilment (exactly once) ------------------------------------------------------------------


def _fulfil_locked(session: Session, purchase: Purchase, *, payment_intent: str | None) -> str:
    """Mark a purchase row already locked in `session` paid and book its credits, once."""
    if purchase.status == "paid":
        return "duplicate"
    if purchase.status == "refunded":
        return "already_refunded"
    # pending, or canceled (e.g. the start timed out yet the student paid): the money is in.
    assert purchase.id is not None
    package = PACKAGES.get(purchase.package)
    name = package.name if package else purchase.package
    purchase.status = "paid"
    purchase.paid_at = utcnow()
    if payment_intent:
        purchase.stripe_payment_intent = payment_intent
    session.add(purchase)
    suffix = " (test mode, no payment)" if purchase.test_mode else ""
    post_entry(
        session,
        user_id=purchase.user_id,
        amount=purchase.credits * MILLI,
        kind="purchase",
        reference=f"purchase:{purchase.id}",
        description=f"{name} package, ${purchase.amount_cents / 100:,.2f}{suffix}",
    )
    session.flush()
    log.info(
        "purchase fulfilled",
        extra={"purchase_id": purchase.id, "credits": purchase.credits, "test": purchase.test_mode},
    )
    return "fulfilled"


def _object_id(value: Any) -> str | None:
    """An expandable Stripe field: an id string, or an object with an id."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict):
        found = value.get("id")
        return found if isinstance(found, str) else None
    found = getattr(value, "id", None)
    return found if isinstance(found, str) else None


def _claim_by_metadata(session: Session, checkout: dict[str, Any]) -> Purchase | None:
    """A completed session not linked yet (Stripe answered, we had not stored its id): find the
    purchase named in the metadata we set, and link it if everything agrees."""
    metadata = checkout.get("metadata") or {}
    raw_id = metadata.get("purchase_id") or checkout.get("client_reference_id")
    try:
        purchase_id = int(str(raw_id))
    except ValueError:
        return None
    purchase = session.exec(
        select(Purchase).where(Purchase.id == purchase_id).with_for_update()
    ).first()
    if purchase is None:
        return None
    agrees = (
        not purchase.test_mode
        and purchase.stripe_session_id in (None, checkout.get("id"))
        and str(purchase.user_id) == str(metadata.get("user_id"))
        and checkout.get("amount_total") in (None, purchase.amount_cents)
        and str(checkout.get("currency") or CURRENCY).lower() == CURRENCY
    )
    if not agrees:
        log.warning(
            "stripe session metadata does not match its purchase",
            extra={"purchase_id": purchase_id, "session_id": checkout.get("id")},
        )
        return None
    purchase.stripe_session_id = checkout.get("id")
    session.add(purchase)
    return purchase


def _fulfil_session(checkout: dict[str, Any]) -> str:
    session_id = checkout.get("id")
    if not isinstance(session_id, str):
        return "ignored"
    try:
        with session_scope() as session:
            purchase = session.exec(
                select(Purchase).where(Purchase.stripe_session_id == session_id).with_for_update()
            ).first()
            if purchase is None:
                purchase = _claim_by_metadata(session, checkout)
            if purchase is None:
                log.warning(
                    "checkout session is not a known purchase; acknowledged, not fulfilled",
                    extra={"session_id": session_id},
                )
                return "unknown_session"
            return _fulfil_locked(
                session, purchase, payment_intent=_object_id(checkout.get("payment_intent"))
            )
    except IntegrityError:
        # A concurrent delivery booked it first (the unique ledger reference held).
        return "duplicate"


def _cancel_session(session_id: str) -> str:
    with session_scope() as session:
        purchase = session.exec(
            select(Purchase).where(Purchase.stripe_session_id == session_id).with_for_update()
        ).first()
        if purchase is None or purchase.status != "pending":
            return "ignored"
        purchase.status = "canceled"
        session.add(purchase)
        return "canceled"


def _refund_charge(charge: dict[str, Any]) -> str:
    payment_intent = _object_id(charge.get("payment_intent"))
    if payment_intent is None:
        return "ignored"
    amount = int(charge.get("amount") or 0)
    refunded = int(charge.get("amount_refunded") or 0)
    with session_scope() as session:
        purchase = session.exec(
            select(Purchase)
            .where(Purchase.stripe_payment_intent == payment_intent)
            .with_for_update()
        ).first()
        if purchase is None:
            log.warning(
                "refund for an unknown payment; acknowledged",
                extra={"payment_intent": payment_intent},
            )
            return "unknown_payment"
        if purchase.status == "refunded":
            return "duplicate"
        if purchase.status != "paid":
            return "ignored"
        if not (charge.get("refunded") is True or (amount and refunded >= amount)):
            log.warning(
                "partial refund: credits not reversed automatically",
                extra={"purchase_id": purchase.id, "refunded_cents": refunded},
            )
            return "partial_refund"
        return _reverse_purchase(session, purchase)


def _reverse_purchase(session: Session, purchase: Purchase) -> str:
    assert purchase.id is not None
    # Lock the balance so what we read is what the guarded UPDATE will see.
    session.exec(
        select(CreditAccount).where(CreditAccount.user_id == purchase.user_id).with_for_update()
    ).first()
    bought = purchase.credits * MILLI
    available = balance(session, purchase.user_id)
    taken = min(bought, available)
    description = f"Refund of the {purchase.package} package: {credits(bought)} credits reversed"
    if taken < bought:
        shortfall = bought - taken
        description = (
            f"Refund of the {purchase.package} package: {credits(taken)} of {credits(bought)} "
            f"credits reversed; {credits(shortfall)} were already spent"
        )
        log.warning(
            "refund exceeds the remaining balance; reversed what was left",
            extra={"purchase_id": purchase.id, "shortfall_millicredits": shortfall},
        )
    post_entry(
        session,
        user_id=purchase.user_id,
        amount=-taken,
        kind="refund",
        reference=f"refund:{purchase.id}",
        description=description,
    )
    purchase.status = "refunded"
    session.add(purchase)
    session.flush()
    return "refunded"


# -- webhook ------------------------------------------------------------------------------------


def handle_webhook(payload: bytes, signature_header: str) -> WebhookResult:
    """Verify a Stripe webhook and apply it. Raises InvalidWebhook (HTTP 400) when the signature
    or payload is wrong, in which case nothing changes."""
    secret = get_settings().stripe_webhook_secret
    if secret is None or not secret.get_secret_value():
        raise PaymentsUnavailable("Stripe webhooks are not configured: set STRIPE_WEBHOOK_SECRET.")
    try:
        # The signature alone (Stripe's own check); the body is parsed and shape-checked here, so
        # a signed body that is not an event object (a JSON array, say) is a 400, not a crash.
        stripe.WebhookSignature.verify_header(
            payload.decode("utf-8"),
            signature_header,
            secret.get_secret_value(),
            tolerance=stripe.Webhook.DEFAULT_TOLERANCE,
        )
        event = json.loads(payload)
    except stripe.SignatureVerificationError as exc:
        log.warning("stripe webhook with a bad signature", extra={"error": str(exc)[:200]})
        raise InvalidWebhook("The Stripe-Signature header does not verify this payload.") from exc
    except ValueError as exc:  # not JSON / not UTF-8
        raise InvalidWebhook("The webhook payload is not a Stripe event.") from exc
    if not isinstance(event, dict):
        raise InvalidWebhook("The webhook payload is not a Stripe event.")
    event_id = str(event.get("id", ""))
    event_type = str(event.get("type", ""))
    data = event.get("data")
    obj = data.get("object") if isinstance(data, dict) else None
    if not isinstance(obj, dict):
        obj = {}
    if event_type == "checkout.session.completed":
        if obj.get("payment_status") == "paid":
            outcome = _fulfil_session(obj)
        else:  # delayed methods: fulfilled on checkout.session.async_payment_succeeded
            outcome = "awaiting_payment"
    elif event_type == "checkout.session.async_payment_succeeded":
        outcome = _fulfil_session(obj)
    elif event_type in ("checkout.session.expired", "checkout.session.async_payment_failed"):
        session_id = obj.get("id")
        outcome = _cancel_session(session_id) if isinstance(session_id, str) else "ignored"
    elif event_type == "charge.refunded":
        outcome = _refund_charge(obj)
    else:
        outcome = "ignored"
    log.info(
        "stripe webhook handled",
        extra={"event_id": event_id, "event_type": event_type, "outcome": outcome},
    )
    return WebhookResult(event_id, event_type, outcome)


# -- test mode ----------------------------------------------------------------------------------


def _own_test_purchase(session: Session, user_id: int, purchase_id: int) -> Purchase:
    if not in_test_mode():
        raise PaymentsUnavailable(
            "Test-mode checkout is only available in development when Stripe is not configured."
        )
    purchase = owned(session, Purchase, purchase_id, owner_id=user_id, what="purchase.")
    # Lock the row (PostgreSQL) and read it fresh: a double click completes it once.
    session.refresh(purchase, with_for_update=True)
    if not purchase.test_mode:
        raise Conflict("This is a real Stripe purchase; only Stripe can complete it.")
    return purchase


@use_case
def complete_test_checkout(session: Session, *, user_id: int, purchase_id: int) -> PurchasePublic:
    """Development only: complete a test-mode purchase without payment (same fulfilment)."""
    purchase = _own_test_purchase(session, user_id, purchase_id)
    if purchase.status == "canceled":
        raise Conflict("This test checkout was canceled; start a new one.")
    _fulfil_locked(session, purchase, payment_intent=None)
    return PurchasePublic.model_validate(purchase)


@use_case
def cancel_test_checkout(session: Session, *, user_id: int, purchase_id: int) -> PurchasePublic:
    purchase = _own_test_purchase(session, user_id, purchase_id)
    if purchase.status == "pending":
        purchase.status = "canceled"
        session.add(purchase)
        session.flush()
    return PurchasePublic.model_validate(purchase)
