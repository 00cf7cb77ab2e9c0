"""Documents, the credit shop in test mode, reminders, export and deletion, in Chromium."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.core.settings import reset_settings_cache
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import Scholarship, User
from scholarlink.services import applications, reminders
from scholarlink.services.catalogue import row_values
from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import HOME, screenshot
from tests.e2e.test_student_journey import SLOW, sign_up

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


def _user_id(email: str) -> int:
    with session_scope() as s:
        user = s.exec(select(User).where(User.email == email)).one()
        assert user.id is not None
        return user.id


def _scholarship_due_in(days: int) -> int:
    due = datetime.now(UTC).date() + timedelta(days=days)
    entry = CatalogueEntry.model_validate(
        {
            "slug": f"e2e-due-{due.isoformat()}-{days}",
            "name": f"E2E Award due in {days}",
            "provider": "E2E Foundation",
            "kind": "private",
            "status": "active",
            "url": "https://example.org/e2e",
            "verified_on": datetime.now(UTC).date().isoformat(),
            "sources": [{"url": "https://example.org/e2e"}],
            "amount": {"min": 500, "max": 500, "period": "one_time"},
            "cycles": [{"read_for": "2026-27", "deadline": due.isoformat(), "kind": "fixed"}],
            "rules": [{"type": "level", "levels": ["undergraduate"]}],
            "description": "An end-to-end test award with one fixed deadline.",
        }
    )
    with session_scope() as s:
        row = Scholarship(**row_values(entry))
        existing = s.exec(select(Scholarship).where(Scholarship.slug == row.slug)).first()
        if existing is not None:
            return existing.id or 0
        s.add(row)
        s.flush()
        return row.id or 0


def test_documents_shop_reminders_export_and_delete(
    harness: AppHarness, browser: Browser, monkeypatch: pytest.MonkeyPatch, tmp_path
) -> None:
    monkeypatch.setenv("ENVIRONMENT", "development")  # the labelled test-mode checkout
    monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / "documents"))
    reset_settings_cache()
    from scholarlink.services import storage

    storage.reset_storage()
    base = harness.frontend_url.rstrip("/")
    mode = harness.mode  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.set_default_timeout(20_000)
    email = sign_up(page, base, "Dana Docs")
    user_id = _user_id(email)
    sid = _scholarship_due_in(7)
    with session_scope() as s:
        applications.create_application(s, user_id=user_id, scholarship=sid)

    # Documents: upload (type checked by content), attach, download.
    page.goto(base + "/documents")
    (tmp_path / "transcript.pdf").write_bytes(PDF)
    (tmp_path / "fake.pdf").write_bytes(b"MZ this is not a pdf")
    page.locator("input[type=file]").set_input_files(str(tmp_path / "fake.pdf"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_role("alert")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "documents with an upload refused")
    page.locator("input[type=file]").set_input_files(str(tmp_path / "transcript.pdf"))
    page.get_by_role("button", name="Upload", exact=True).click()
    expect(page.get_by_text("transcript.pdf").first).to_be_visible(timeout=SLOW)
    page.get_by_text("Attach to an application…").click()
    page.get_by_role("option", name=re.compile("E2E Award due in 7")).click()
    expect(page.get_by_role("button", name="Detach")).to_be_visible(timeout=SLOW)
    screenshot(page, f"documents-{mode}")
    assert_accessible(page, "documents")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download").first.click()
    assert download.value.path().read_bytes() == PDF

    # Credits: the test-mode checkout completes locally and says so.
    page.goto(base + "/credits")
    expect(page.get_by_text(re.compile("Test mode", re.I)).first).to_be_visible(timeout=SLOW)
    page.get_by_role("button", name=re.compile("Buy Starter: the Starter package")).click()
    expect(page).to_have_url(re.compile(r"/credits/test-checkout"), timeout=SLOW)
    page.get_by_role("button", name="Complete test payment").click()
    expect(page).to_have_url(re.compile(r"/credits"), timeout=SLOW)
    expect(page.get_by_role("cell", name="Purchase").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("10,990").first).to_be_visible()  # 1,000 welcome + 9,990 bought
    screenshot(page, f"credits-shop-{mode}")
    assert_accessible(page, "credits after a purchase")

    # Reminders: the job's work finds the deadline 7 days out; the dashboard shows it. (The
    # app's own scheduler holds the job lease, so the test runs the job's body directly.)
    with session_scope() as s:
        assert reminders.create_due_reminders(s, today=datetime.now(UTC).date())
    page.goto(base + "/dashboard")
    expect(page.get_by_text("E2E Award due in 7 is due in 7 days")).to_be_visible(timeout=SLOW)
    expect(page.locator("#calendar-url")).to_contain_text("/api/calendar/")
    screenshot(page, f"dashboard-reminders-{mode}")

    # Privacy: export everything, then delete the account.
    page.goto(base + "/privacy")
    expect(page.get_by_text("We never sell your data.")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "privacy")
    # The link opens the export in a new tab; fetch what it points at with this browser's session.
    href = page.get_by_role("link", name="Export all my data (JSON)").get_attribute("href")
    assert href and href.endswith("/api/account/export")
    response = context.request.get(href)
    assert response.ok and "attachment" in response.headers["content-disposition"]
    data = response.json()
    assert (
        data["account"]["email"] == email and data["documents"][0]["filename"] == "transcript.pdf"
    )
    page.get_by_role("button", name="Delete my account…").click()
    screenshot(page, f"privacy-{mode}")
    assert_accessible(page, "the delete-account dialog")
    page.get_by_label("Confirm with your password").fill("correct horse 42")
    page.get_by_role("button", name="Delete my account", exact=True).click()
    expect(page).to_have_url(HOME, timeout=SLOW)
    page.goto(base + "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.locator("form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong e-mail or password")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "sign-in with an error shown")
    assert not [p for p in (tmp_path / "documents").rglob("*") if p.is_file()]
    context.close()
    storage.reset_storage()
