"""Buying credits in Chromium through Stripe Checkout (the real SDK against a local fake Stripe)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest
from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness
from reflex_base.config import get_config

from scholarlink.core.breakers import breaker
from scholarlink.core.settings import reset_settings_cache
from tests.e2e.test_student_journey import SLOW, sign_up
from tests.support.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, sign
from tests.support.servers import serve


@pytest.fixture
def fake_stripe(harness: AppHarness, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeStripe]:
    fake = FakeStripe()
    with serve(fake.app()) as url:
        fake.base_url = url
        monkeypatch.setenv("STRIPE_SECRET_KEY", API_KEY)
        monkeypatch.setenv("STRIPE_WEBHOOK_SECRET", WEBHOOK_SECRET)
        monkeypatch.setenv("STRIPE_API_BASE", url)
        reset_settings_cache()
        breaker("stripe").reset()
        yield fake
    for var in ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE"):
        monkeypatch.delenv(var)
    reset_settings_cache()


def test_buy_credits_through_stripe_checkout(
    harness: AppHarness, browser: Browser, fake_stripe: FakeStripe
) -> None:
    base = harness.frontend_url.rstrip("/")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    sign_up(page, base, "Pat Payer")
    page.goto(base + "/credits")
    expect(page.get_by_text(re.compile("Test mode", re.I))).to_have_count(0, timeout=SLOW)
    page.get_by_role("button", name=re.compile("Buy Basic: the Basic package")).click()
    # Stripe's (fake) hosted checkout page, in the same tab.
    expect(page.get_by_role("heading", name="Fake Stripe checkout")).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("Pay $49.99")).to_be_visible()
    page.get_by_role("button", name="Pay").click()
    expect(page).to_have_url(re.compile(r"/credits/?\?checkout=success"), timeout=SLOW)
    expect(page.get_by_role("cell", name="Purchase").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("53,490").first).to_be_visible()  # 1,000 welcome + 52,490
    # Stripe's webhook arrives afterwards (twice): the purchase is not credited again.
    [sid] = list(fake_stripe.sessions)
    event = fake_stripe.event("checkout.session.completed", fake_stripe.sessions[sid])
    api = get_config().api_url.rstrip("/")
    for _ in range(2):
        r = httpx.post(
            f"{api}/api/stripe/webhook",
            content=event,
            headers={"Stripe-Signature": sign(event), "Content-Type": "application/json"},
        )
        assert r.status_code == 200
    page.reload()
    expect(page.get_by_role("cell", name="Purchase")).to_have_count(1, timeout=SLOW)
    expect(page.get_by_text("53,490").first).to_be_visible()
    context.close()
