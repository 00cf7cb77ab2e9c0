"""Students don't apply alone, in Chromium: a parent follows along until the student revokes;
a recommender with no account uploads a letter through the mailed link; an own find joins the
tracker."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from playwright.sync_api import Browser, Page, expect
from reflex.testing import AppHarness

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import confirm_sign_up, mailed_link, screenshot
from tests.e2e.test_student_journey import SLOW
from tests.unit.test_document_types import PDF


def _sign_up(page: Page, base: str, name: str, email: str) -> None:
    page.goto(base + "/sign-up")
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    confirm_sign_up(page, base, email)


def _own_find(page: Page, base: str, name: str) -> None:
    page.goto(base + "/applications")
    page.get_by_role("button", name="Add one you found").click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_label("Name").fill(name)
    dialog.get_by_label("Link to its official page").fill("https://rotary.example.org/award")
    dialog.get_by_label("Deadline (leave empty if it varies)").fill(
        (date.today() + timedelta(days=45)).isoformat()
    )
    dialog.get_by_label("Amount in dollars (optional)").fill("1500")
    assert_accessible(page, "add an own find")
    dialog.get_by_role("button", name="Add to my tracker").click()
    expect(page.get_by_text(name).first).to_be_visible(timeout=SLOW)


def _local(base: str, link: str) -> str:
    parts = urlsplit(link)
    return f"{base}{parts.path}?{parts.query}"


def test_a_parent_follows_along_until_revoked(harness: AppHarness, browser: Browser) -> None:
    base = (harness.frontend_url or "").rstrip("/")
    tag = uuid.uuid4().hex[:8]
    student_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    student = student_ctx.new_page()
    student.set_default_timeout(20_000)
    _sign_up(student, base, "Sofia Student", f"sofia-{tag}@example.org")
    _own_find(student, base, "Springfield Rotary Award")

    student.goto(base + "/sharing")
    parent_email = f"parent-{tag}@example.org"
    student.get_by_label("Their e-mail").fill(parent_email)
    student.get_by_role("button", name="Send the invitation").click()
    expect(student.get_by_text("Invitation sent.")).to_be_visible(timeout=SLOW)
    assert_accessible(student, "sharing")

    # The parent opens the mailed link, creates an account with that address, and accepts.
    parent_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    parent = parent_ctx.new_page()
    parent.set_default_timeout(20_000)
    invite = _local(base, mailed_link(parent_email, "/shared/accept"))
    parent.goto(invite)
    expect(parent.get_by_text("Sofia Student", exact=False).first).to_be_visible(timeout=SLOW)
    assert_accessible(parent, "invitation")
    parent.get_by_role("link", name="Create an account").click()
    expect(parent).to_have_url(re.compile(r"/sign-up\?next=%2Fshared%2Faccept"), timeout=SLOW)
    parent.get_by_label("Name").fill("Pat Parent")
    parent.get_by_label("E-mail").fill(parent_email)
    parent.get_by_label("Password", exact=True).fill("correct horse 42")
    parent.get_by_role("button", name="Create account").click()
    expect(parent.get_by_text("Check your inbox.")).to_be_visible(timeout=SLOW)
    confirm = _local(base, mailed_link(parent_email, "/sign-up/confirm"))
    parent.goto(confirm)
    parent.get_by_role("button", name="Create my account").click()
    # The confirmation link leads back to the invitation.
    expect(parent).to_have_url(re.compile(r"/shared/accept"), timeout=SLOW)
    parent.get_by_role("button", name="Accept the invitation").click()
    expect(parent).to_have_url(re.compile(r"/shared/\d+/?$"), timeout=SLOW)
    expect(parent.get_by_text("Springfield Rotary Award").first).to_be_visible(timeout=SLOW)
    screenshot(parent, f"shared-view-{harness.mode}")  # type: ignore[attr-defined]
    assert_accessible(parent, "following a student")
    shared_url = parent.url

    # The student sees who looked, then revokes; the parent's next look shows nothing.
    student.goto(base + "/sharing")
    expect(student.get_by_text("Pat Parent").first).to_be_visible(timeout=SLOW)
    expect(student.get_by_text("matches, tracker and deadlines").first).to_be_visible()
    student.get_by_role("button", name="Revoke access").click()
    expect(student.get_by_text("Access ended").first).to_be_visible(timeout=SLOW)
    parent.goto(shared_url)
    expect(parent.get_by_text("You no longer have access")).to_be_visible(timeout=SLOW)
    expect(parent.get_by_text("Springfield Rotary Award")).to_have_count(0)
    student_ctx.close()
    parent_ctx.close()


def test_a_recommender_uploads_a_letter_without_an_account(
    harness: AppHarness, browser: Browser, tmp_path: Path
) -> None:
    base = (harness.frontend_url or "").rstrip("/")
    tag = uuid.uuid4().hex[:8]
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    student = ctx.new_page()
    student.set_default_timeout(20_000)
    _sign_up(student, base, "Leo Letters", f"leo-{tag}@example.org")
    _own_find(student, base, "Lions Club Award")
    student.goto(base + "/letters")
    recommender = f"teacher-{tag}@school.example.org"
    student.get_by_label("Recommender's name").fill("Ms. Rivera")
    student.get_by_label("Recommender's e-mail").fill(recommender)
    student.get_by_label("Due date").fill((date.today() + timedelta(days=20)).isoformat())
    # The waiver is on by default: the letter stays confidential.
    student.get_by_role("button", name="Send the request").click()
    expect(student.get_by_text("Request sent.")).to_be_visible(timeout=SLOW)
    expect(student.get_by_text("Requested", exact=True)).to_be_visible()
    assert_accessible(student, "letters")

    # The recommender, in a browser with no ScholarLink account, uses the mailed link.
    outsider = browser.new_context(viewport={"width": 1000, "height": 900})
    rec = outsider.new_page()
    rec.set_default_timeout(20_000)
    rec.goto(_local(base, mailed_link(recommender, "/letters/upload")))
    expect(rec.get_by_text("Lions Club Award").first).to_be_visible(timeout=SLOW)
    expect(rec.get_by_text("waived the right to read your letter")).to_be_visible()
    assert_accessible(rec, "letter upload")
    (tmp_path / "letter.pdf").write_bytes(PDF)
    rec.locator("input[type=file]").set_input_files(str(tmp_path / "letter.pdf"))
    rec.get_by_role("button", name="Upload the letter").click()
    expect(rec.get_by_text("your letter has reached")).to_be_visible(timeout=SLOW)
    screenshot(rec, f"letter-upload-{harness.mode}")  # type: ignore[attr-defined]
    outsider.close()

    student.goto(base + "/letters")
    expect(student.get_by_text("Received", exact=True)).to_be_visible(timeout=SLOW)
    expect(student.get_by_text("You waived access")).to_be_visible()
    expect(student.get_by_role("link", name="Download the letter")).to_have_count(0)
    # Nor can the student fetch it directly.
    from sqlmodel import select

    from scholarlink.core.db import session_scope
    from scholarlink.models import LetterRequest

    with session_scope() as s:
        letter = s.exec(
            select(LetterRequest).where(LetterRequest.recommender_email == recommender)
        ).one()
    cookie = next(c for c in ctx.cookies() if c["name"] == "scholarlink_session")
    backend = str(harness.backend_url or "").rstrip("/") if hasattr(harness, "backend_url") else ""
    if backend:
        r = httpx.get(
            f"{backend}/api/letters/{letter.id}/download",
            cookies={"scholarlink_session": cookie["value"]},
        )
        assert r.status_code == 404
    ctx.close()
