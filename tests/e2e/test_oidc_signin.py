"""Sign in with Scholar Auth in Chromium, against a real OpenID Connect provider."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness

from scholarlink.core.settings import reset_settings_cache
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider


@pytest.fixture
def scholar_auth(harness: AppHarness, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    callback = harness.frontend_url.rstrip("/") + "/auth/callback"
    with oidc_provider(callback) as issuer:
        monkeypatch.setenv("OIDC_ISSUER", issuer)
        monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
        monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
        reset_settings_cache()
        yield issuer
    for var in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_FALLBACK_ISSUER"):
        monkeypatch.delenv(var, raising=False)
    reset_settings_cache()


def _sign_in_with_scholar_auth(harness: AppHarness, browser: Browser, login: str) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(harness.frontend_url.rstrip("/") + "/sign-in")
    page.get_by_role("button", name="Sign in with Scholar Auth").click()
    # The provider's own login and consent forms.
    page.locator("input[name=login]").fill(login)
    page.locator("input[name=password]").fill("any password")
    page.locator("button[type=submit]").click()
    page.locator("button[type=submit]", has_text=re.compile("Continue", re.I)).click()
    expect(page).to_have_url(re.compile(r"/dashboard/?$"))
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible()
    expect(page.get_by_text(f"Welcome back, Student {login}")).to_be_visible()
    context.close()


def test_sign_in_with_scholar_auth(
    harness: AppHarness, browser: Browser, scholar_auth: str
) -> None:
    _sign_in_with_scholar_auth(harness, browser, "oidc-student")


def test_fallback_issuer_when_primary_is_down(
    harness: AppHarness, browser: Browser, scholar_auth: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:1")
    monkeypatch.setenv("OIDC_FALLBACK_ISSUER", scholar_auth)
    reset_settings_cache()
    _sign_in_with_scholar_auth(harness, browser, "fallback-student")
