"""Buying credits through Stripe Checkout: the real `stripe` SDK against a fake Stripe over HTTP,
webhooks signed like Stripe signs them and posted to the real route; every test runs on SQLite
and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlmodel import col, select

from scholarlink import routes
from scholarlink.api import create_api
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.errors import Conflict, NotFound
from scholarlink.core.settings import Settings, reset_settings_cache
from scholarlink.models import CreditEntry, Purchase
from scholarlink.services import payments
from scholarlink.services.credits import MILLI, balance, post_entry
from tests.integration.conftest import make_student
from tests.support.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, sign
from tests.support.servers import serve

SUCCESS = "http://127.0.0.1:3000/credits?checkout=success&session_id={CHECKOUT_SESSION_ID}"
CANCEL = "http://127.0.0.1:3000/credits?checkout=cancel"
TEST_CHECKOUT = routes.CREDITS_TEST_CHECKOUT


@pytest.fixture(autouse=True)
def _fresh_settings() -> Iterator[None]:
    # Set up before `monkeypatch`, so this runs after it has restored the environment.
    yield
    reset_settings_cache()


@pytest.fixture
def fake_stripe(db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with serve(fake.app()) as url:
        fake.base_url = url
        monkeypatch.setenv("STRIPE_SECRET_KEY", API_KEY)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        monkeypatch.setenv("STRIPE_API_BASE", url)
        reset_settings_cache()
        breaker("stripe").reset()
        yield fake


@pytest.fixture
def api(fake_stripe: FakeStripe) -> Iterator[httpx.Client]:
    with serve(create_api()) as url, httpx.Client(base_url=url, timeout=30) as client:
        yield client


def deliver(client: httpx.Client, payload: str, signature: str | None = None) -> httpx.Response:
    return client.post(
        "/api/stripe/webhook",
        content=payload.encode(),
        headers={
            "Stripe-Signature": sign(payload) if signature is None else signature,
            "Content-Type": "application/json",
        },
    )


def purchase(purchase_id: int) -> Purchase:
    with session_scope() as s:
        found = s.get(Purchase, purchase_id)
        assert found is not None
        return found


def only_purchase(user_id: int) -> Purchase:
    [found] = payments.list_purchases(user_id=user_id)
    return found


def entries(user_id: int) -> list[tuple[str, int, str]]:
    with session_scope() as s:
        rows = s.exec(
            select(CreditEntry).where(CreditEntry.user_id == user_id).order_by(col(CreditEntry.id))
        ).all()
        return [(e.kind, e.amount_millicredits, e.reference) for e in rows]


def credits_of(user_id: int) -> int:
    with session_scope() as s:
        return balance(s, user_id)


def test_packages_match_the_product() -> None:
    assert {
        k: (p.amount_cents, p.credits, p.bonus_percent) for k, p in payments.PACKAGES.items()
    } == {
        "starter": (999, 9_990, 0),
        "basic": (4_999, 52_490, 5),
        "pro": (9_999, 109_990, 10),
    }


# -- checkout -----------------------------------------------------------------------------------


def test_checkout_creates_a_pending_purchase_and_one_session(fake_stripe: FakeStripe) -> None:
    uid = make_student("10000001")
    url = payments.start_checkout(
        user_id=uid,
        package="basic",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )

    bought = only_purchase(uid)
    assert bought.status == "pending" and not bought.test_mode
    assert (bought.package, bought.amount_cents, bought.credits) == ("basic", 4_999, 52_490)
    assert bought.stripe_session_id in fake_stripe.sessions
    assert url == fake_stripe.sessions[bought.stripe_session_id]["url"]

    [request] = fake_stripe.requests
    params = request["params"]
    assert params["mode"] == "payment"
    assert params["success_url"] == SUCCESS and params["cancel_url"] == CANCEL
    assert params["client_reference_id"] == str(bought.id)
    assert params["metadata"] == {"purchase_id": str(bought.id), "user_id": str(uid)}
    [item] = params["line_items"]
    assert item["quantity"] == "1"
    assert item["price_data"]["currency"] == "usd"
    assert item["price_data"]["unit_amount"] == "4999"
    assert "Basic" in item["price_data"]["product_data"]["name"]
    assert request["idempotency_key"].startswith(f"scholarlink-checkout-{bought.id}-")

    # The same purchase asks Stripe again under the same key: the same session comes back.
    again = payments._create_session(bought, success_url=SUCCESS, cancel_url=CANCEL)
    assert again.id == bought.stripe_session_id
    assert len(fake_stripe.sessions) == 1
    assert entries(uid) == [] and credits_of(uid) == 0


def test_a_lost_response_is_retried_under_the_same_key_and_creates_one_session(
    fake_stripe: FakeStripe,
) -> None:
    uid = make_student("10000002")
    fake_stripe.lose_next_responses = 1  # session created, response lost (500)
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )

    assert len(fake_stripe.sessions) == 1
    keys = [r["idempotency_key"] for r in fake_stripe.requests]
    assert len(keys) == 2 and keys[0] == keys[1]
    assert only_purchase(uid).stripe_session_id in fake_stripe.sessions


def test_a_stripe_refusal_is_a_clear_error_and_cancels_the_purchase(
    fake_stripe: FakeStripe,
) -> None:
    uid = make_student("10000003")
    fake_stripe.refuse_creates = True
    with pytest.raises(
        payments.PaymentError,
        match=r"could not be started: Invalid currency: xyz\. Nothing was charged\.$",
    ):
        payments.start_checkout(
            user_id=uid,
            package="pro",
            success_url=SUCCESS,
            cancel_url=CANCEL,
            test_checkout_url=TEST_CHECKOUT,
        )
    assert only_purchase(uid).status == "canceled"
    assert entries(uid) == []
    assert breaker("stripe").state == "closed"  # Stripe answered: not an outage


def test_an_unreachable_stripe_cancels_the_purchase(
    fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = make_student("10000004")
    monkeypatch.setenv("STRIPE_API_BASE", "http://127.0.0.1:9")  # nothing listens there
    reset_settings_cache()
    with pytest.raises(payments.PaymentError, match="Nothing was charged"):
        payments.start_checkout(
            user_id=uid,
            package="starter",
            success_url=SUCCESS,
            cancel_url=CANCEL,
            test_checkout_url=TEST_CHECKOUT,
        )
    assert only_purchase(uid).status == "canceled"
    assert breaker("stripe").snapshot()["consecutive_failures"] == 1


def test_an_open_breaker_refuses_without_calling_stripe(fake_stripe: FakeStripe) -> None:
    uid = make_student("10000006")
    guard = breaker("stripe")
    for _ in range(guard.failure_threshold):
        guard.record_failure("stripe down")
    with pytest.raises(payments.PaymentError, match="temporarily unavailable"):
        payments.start_checkout(
            user_id=uid,
            package="starter",
            success_url=SUCCESS,
            cancel_url=CANCEL,
            test_checkout_url=TEST_CHECKOUT,
        )
    assert fake_stripe.requests == []
    assert only_purchase(uid).status == "canceled"
    guard.reset()


def test_an_unknown_package_is_refused_and_creates_nothing(fake_stripe: FakeStripe) -> None:
    uid = make_student("10000005")
    with pytest.raises(payments.ValidationFailed, match="Unknown credit package 'gold'"):
        payments.start_checkout(
            user_id=uid,
            package="gold",
            success_url=SUCCESS,
            cancel_url=CANCEL,
            test_checkout_url=TEST_CHECKOUT,
        )
    assert payments.list_purchases(user_id=uid) == [] and fake_stripe.requests == []


# -- webhook: exactly once ----------------------------------------------------------------------


def test_the_webhook_fulfils_a_purchase_once_however_often_it_is_replayed(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000010")
    payments.start_checkout(
        user_id=uid,
        package="basic",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    bought = only_purchase(uid)
    assert bought.stripe_session_id
    event = fake_stripe.completed_event(bought.stripe_session_id)

    for _ in range(6):  # the delivery and five replays
        response = deliver(api, event)
        assert response.status_code == 200
        assert response.json() == {"received": True}

    paid = purchase(bought.id or 0)
    assert paid.status == "paid" and paid.paid_at is not None
    assert (
        paid.stripe_payment_intent
        == fake_stripe.sessions[bought.stripe_session_id]["payment_intent"]
    )
    assert entries(uid) == [("purchase", 52_490 * MILLI, f"purchase:{bought.id}")]
    assert credits_of(uid) == 52_490 * MILLI


def test_ten_concurrent_deliveries_credit_once(fake_stripe: FakeStripe, api: httpx.Client) -> None:
    uid = make_student("10000011")
    payments.start_checkout(
        user_id=uid,
        package="pro",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    bought = only_purchase(uid)
    assert bought.stripe_session_id
    event = fake_stripe.completed_event(bought.stripe_session_id)
    url = str(api.base_url)

    def post(_: int) -> int:
        with httpx.Client(base_url=url, timeout=30) as client:
            return deliver(client, event).status_code

    with ThreadPoolExecutor(max_workers=10) as pool:
        statuses = list(pool.map(post, range(10)))

    assert statuses == [200] * 10
    assert entries(uid) == [("purchase", 109_990 * MILLI, f"purchase:{bought.id}")]
    assert credits_of(uid) == 109_990 * MILLI
    assert purchase(bought.id or 0).status == "paid"


def test_a_completed_session_not_yet_linked_is_claimed_from_its_metadata(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    """Stripe created the session, but the app had not stored its id when the webhook came."""
    uid = make_student("10000012")
    with session_scope() as s:
        pending = Purchase(user_id=uid, package="starter", amount_cents=999, credits=9_990)
        s.add(pending)
        s.flush()
    checkout = payments._create_session(pending, success_url=SUCCESS, cancel_url=CANCEL)
    assert purchase(pending.id or 0).stripe_session_id is None

    assert deliver(api, fake_stripe.completed_event(checkout.id)).status_code == 200

    claimed = purchase(pending.id or 0)
    assert (claimed.status, claimed.stripe_session_id) == ("paid", checkout.id)
    assert credits_of(uid) == 9_990 * MILLI


def test_an_event_for_an_unknown_session_is_acknowledged_and_a_later_retry_fulfils(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000013")
    foreign = fake_stripe._new_session(
        {
            "mode": "payment",
            "success_url": SUCCESS,
            "line_items": [
                {"quantity": "1", "price_data": {"currency": "usd", "unit_amount": "999"}}
            ],
        }
    )
    event = fake_stripe.completed_event(foreign["id"])

    assert deliver(api, event).status_code == 200  # completed before the purchase exists
    assert entries(uid) == [] and payments.list_purchases(user_id=uid) == []

    with session_scope() as s:
        s.add(
            Purchase(
                user_id=uid,
                package="starter",
                amount_cents=999,
                credits=9_990,
                stripe_session_id=foreign["id"],
            )
        )
    assert deliver(api, event).status_code == 200  # Stripe's retry
    assert only_purchase(uid).status == "paid"
    assert credits_of(uid) == 9_990 * MILLI


@pytest.mark.parametrize(
    "tamper",
    ["wrong secret", "edited body", "missing header", "garbage header", "stale timestamp"],
)
def test_a_bad_signature_is_a_400_and_changes_nothing(
    fake_stripe: FakeStripe, api: httpx.Client, tamper: str
) -> None:
    uid = make_student("10000014")
    payments.start_checkout(
        user_id=uid,
        package="basic",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    sid = only_purchase(uid).stripe_session_id
    assert sid
    event = fake_stripe.completed_event(sid)
    payload, signature = event, sign(event)
    if tamper == "wrong secret":
        signature = sign(event, "whsec_someone_else")
    elif tamper == "edited body":
        payload = event.replace('"amount_total": 4999', '"amount_total": 1')
    elif tamper == "missing header":
        signature = ""
    elif tamper == "garbage header":
        signature = "not-a-signature"
    else:
        signature = sign(event, timestamp=1_000_000_000)

    response = deliver(api, payload, signature)

    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
    assert "Stripe-Signature" in response.json()["error"]["message"]
    assert only_purchase(uid).status == "pending"
    assert entries(uid) == [] and credits_of(uid) == 0


def test_a_signed_payload_that_is_not_json_is_a_400(api: httpx.Client) -> None:
    response = deliver(api, "not json")
    assert response.status_code == 400
    assert response.json()["error"] == {
        "code": "invalid_webhook",
        "message": "The webhook payload is not a Stripe event.",
    }


def test_other_event_types_are_acknowledged_and_ignored(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000015")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    bought = only_purchase(uid)
    event = fake_stripe.event(
        "customer.created", {"id": "cus_123", "object": "customer", "metadata": {}}
    )
    response = deliver(api, event)
    assert (response.status_code, response.json()) == (200, {"received": True})
    assert payments.handle_webhook(event.encode(), sign(event)).outcome == "ignored"
    assert only_purchase(uid).status == bought.status == "pending"
    assert entries(uid) == []


def test_an_unpaid_completion_waits_and_an_expired_session_cancels(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000016")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    sid = only_purchase(uid).stripe_session_id
    assert sid
    unpaid = fake_stripe.event(
        "checkout.session.completed",
        {**fake_stripe.sessions[sid], "status": "complete", "payment_status": "unpaid"},
    )
    assert payments.handle_webhook(unpaid.encode(), sign(unpaid)).outcome == "awaiting_payment"
    assert only_purchase(uid).status == "pending"

    expired = fake_stripe.event("checkout.session.expired", fake_stripe.expire(sid))
    assert deliver(api, expired).status_code == 200
    assert only_purchase(uid).status == "canceled"
    assert entries(uid) == []


def test_resuming_an_expired_checkout_cancels_it(fake_stripe: FakeStripe) -> None:
    uid = make_student("10000017")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    bought = only_purchase(uid)
    assert bought.stripe_session_id
    fake_stripe.expire(bought.stripe_session_id)  # Stripe expired it; the webhook was lost
    with pytest.raises(Conflict, match="expired"):
        payments.resume_checkout(
            user_id=uid, purchase_id=bought.id or 0, test_checkout_url=TEST_CHECKOUT
        )
    assert only_purchase(uid).status == "canceled"


def test_webhooks_without_a_configured_secret_are_refused(
    fake_stripe: FakeStripe, api: httpx.Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("STRIPE_WEBHOOK_SECRET")
    reset_settings_cache()
    response = deliver(api, fake_stripe.event("customer.created", {"id": "cus_1"}))
    assert response.status_code == 503
    assert "STRIPE_WEBHOOK_SECRET" in response.json()["error"]["message"]


# -- refunds ------------------------------------------------------------------------------------


def _paid_purchase(fake_stripe: FakeStripe, api: httpx.Client, uid: int, package: str) -> str:
    payments.start_checkout(
        user_id=uid,
        package=package,
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    sid = only_purchase(uid).stripe_session_id
    assert sid
    assert deliver(api, fake_stripe.completed_event(sid)).status_code == 200
    return sid


def test_a_refund_reverses_the_credits_with_a_ledger_entry_once(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000020")
    sid = _paid_purchase(fake_stripe, api, uid, "basic")
    pid = only_purchase(uid).id
    refund = fake_stripe.refund_event(sid)

    for _ in range(3):
        assert deliver(api, refund).status_code == 200

    assert only_purchase(uid).status == "refunded"
    assert entries(uid) == [
        ("purchase", 52_490 * MILLI, f"purchase:{pid}"),
        ("refund", -52_490 * MILLI, f"refund:{pid}"),
    ]
    assert credits_of(uid) == 0
    # A late replay of the completion does not credit a refunded purchase again.
    assert deliver(api, fake_stripe.completed_event(sid)).status_code == 200
    assert credits_of(uid) == 0


def test_a_refund_after_spending_reverses_what_is_left_and_records_the_shortfall(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000021")
    sid = _paid_purchase(fake_stripe, api, uid, "starter")
    pid = only_purchase(uid).id
    with session_scope() as s:
        post_entry(s, user_id=uid, amount=-2_000 * MILLI, kind="charge", reference="ai:spent")

    assert deliver(api, fake_stripe.refund_event(sid)).status_code == 200

    assert credits_of(uid) == 0
    with session_scope() as s:
        refund = s.exec(select(CreditEntry).where(CreditEntry.reference == f"refund:{pid}")).one()
    assert refund.amount_millicredits == -7_990 * MILLI
    assert refund.balance_after == 0
    assert "7,990 of 9,990 credits reversed; 2,000 were already spent" in refund.description
    assert only_purchase(uid).status == "refunded"


def test_a_partial_refund_is_acknowledged_without_reversing_credits(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000022")
    sid = _paid_purchase(fake_stripe, api, uid, "starter")
    partial = fake_stripe.refund_event(sid, amount_refunded=500)
    assert payments.handle_webhook(partial.encode(), sign(partial)).outcome == "partial_refund"
    assert only_purchase(uid).status == "paid"
    assert credits_of(uid) == 9_990 * MILLI


# -- the student's own checks -------------------------------------------------------------------


def test_the_success_page_confirms_a_paid_session_without_waiting_for_the_webhook(
    fake_stripe: FakeStripe, api: httpx.Client
) -> None:
    uid = make_student("10000030")
    other = make_student("10000031")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    bought = only_purchase(uid)
    sid = bought.stripe_session_id
    assert sid

    assert (
        payments.resume_checkout(
            user_id=uid, purchase_id=bought.id or 0, test_checkout_url=TEST_CHECKOUT
        )
        == fake_stripe.sessions[sid]["url"]
    )
    assert payments.confirm_checkout(user_id=other, stripe_session_id=sid) is None  # not theirs
    still = payments.confirm_checkout(user_id=uid, stripe_session_id=sid)
    assert still is not None and still.status == "pending"  # not paid yet

    event = fake_stripe.completed_event(sid)  # the student pays
    confirmed = payments.confirm_checkout(user_id=uid, stripe_session_id=sid)
    assert confirmed is not None and confirmed.status == "paid"
    assert deliver(api, event).status_code == 200  # the webhook arrives later: no double credit
    assert entries(uid) == [("purchase", 9_990 * MILLI, f"purchase:{bought.id}")]
    assert (
        payments.resume_checkout(
            user_id=uid, purchase_id=bought.id or 0, test_checkout_url=TEST_CHECKOUT
        )
        is None
    )


# -- test mode ----------------------------------------------------------------------------------


def _without_stripe(monkeypatch: pytest.MonkeyPatch, environment: str) -> None:
    for var in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ENVIRONMENT", environment)
    reset_settings_cache()


def test_test_mode_checkout_completes_locally_in_development(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_stripe(monkeypatch, "development")
    uid = make_student("10000040")
    other = make_student("10000041")
    assert payments.checkout_mode() == "test" and payments.in_test_mode()

    url = payments.start_checkout(
        user_id=uid,
        package="pro",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )

    bought = only_purchase(uid)
    assert url == f"/credits/test-checkout?purchase={bought.id}"
    assert (bought.status, bought.test_mode, bought.stripe_session_id) == ("pending", True, None)
    with pytest.raises(NotFound):
        payments.complete_test_checkout(user_id=other, purchase_id=bought.id or 0)

    payments.complete_test_checkout(user_id=uid, purchase_id=bought.id or 0)
    payments.complete_test_checkout(user_id=uid, purchase_id=bought.id or 0)  # a double click

    assert only_purchase(uid).status == "paid"
    with session_scope() as s:
        [entry] = s.exec(select(CreditEntry).where(CreditEntry.user_id == uid)).all()
    assert (entry.kind, entry.amount_millicredits, entry.reference) == (
        "purchase",
        109_990 * MILLI,
        f"purchase:{bought.id}",
    )
    assert "test mode, no payment" in entry.description

    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    canceled = payments.list_purchases(user_id=uid)[0]
    payments.cancel_test_checkout(user_id=uid, purchase_id=canceled.id or 0)
    with pytest.raises(Conflict, match="canceled"):
        payments.complete_test_checkout(user_id=uid, purchase_id=canceled.id or 0)
    assert credits_of(uid) == 109_990 * MILLI


def test_without_stripe_keys_checkout_is_refused_outside_development(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    _without_stripe(monkeypatch, "development")
    uid = make_student("10000042")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    test_purchase = only_purchase(uid)

    _without_stripe(monkeypatch, "test")
    assert payments.checkout_mode() == "disabled" and not payments.in_test_mode()
    with pytest.raises(payments.PaymentsUnavailable, match="only runs in development"):
        payments.start_checkout(
            user_id=uid,
            package="starter",
            success_url=SUCCESS,
            cancel_url=CANCEL,
            test_checkout_url=TEST_CHECKOUT,
        )
    with pytest.raises(payments.PaymentsUnavailable, match="only available in development"):
        payments.complete_test_checkout(user_id=uid, purchase_id=test_purchase.id or 0)
    production = Settings(
        environment="production",
        database_url="postgresql://db.example/scholarlink",
        secret_key="p" * 40,
        app_url="https://scholarlink.example.org",
        smtp_host="smtp.example.org",
    )
    assert payments.checkout_mode(production) == "disabled"
    assert payments.list_purchases(user_id=uid) == [test_purchase]
    assert entries(uid) == []


def test_a_real_purchase_cannot_be_completed_as_a_test(
    fake_stripe: FakeStripe, monkeypatch: pytest.MonkeyPatch
) -> None:
    uid = make_student("10000043")
    payments.start_checkout(
        user_id=uid,
        package="starter",
        success_url=SUCCESS,
        cancel_url=CANCEL,
        test_checkout_url=TEST_CHECKOUT,
    )
    real = only_purchase(uid)
    _without_stripe(monkeypatch, "development")
    with pytest.raises(Conflict, match="real Stripe purchase"):
        payments.complete_test_checkout(user_id=uid, purchase_id=real.id or 0)
    assert entries(uid) == []


@pytest.mark.parametrize("body", ["[]", '[{"id": "evt_1"}]', '"a string"', "42", "null"])
def test_a_signed_body_that_is_not_an_event_object_is_a_400(api: httpx.Client, body: str) -> None:
    response = deliver(api, body)
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "invalid_webhook"
