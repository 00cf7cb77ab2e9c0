"""A student's whole journey in Chromium, as a person uses it (dev and prod harness)."""

from __future__ import annotations

import re
import uuid

from playwright.sync_api import Browser, Page, expect
from reflex.testing import AppHarness

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import HOME, SCREENSHOTS, confirm_sign_up, screenshot

ESSAY = (
    "When our robotics team lost at regionals in 2023, I was the one who had wired the drive train. "
    "I learned that testing matters more than speed.\n\nI wrote a checklist and taught it to 12 teammates. "
    "By the state championship in Austin we placed 4th of 38 teams.\n\n"
    "Now I want to study engineering because owning mistakes is how teams grow."
)
SLOW = 30_000  # first visits compile routes in dev mode


def sign_up(page: Page, base: str, name: str) -> str:
    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    page.goto(base + "/sign-up")
    page.get_by_label("Name").fill(name)
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("short")
    expect(page.get_by_label("Password rules")).to_contain_text("At least 10 characters")
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    # The form answers the same for every address; the account comes from the mailed link.
    confirm_sign_up(page, base, email)
    return email


def test_student_journey(harness: AppHarness, browser: Browser) -> None:
    base = harness.frontend_url.rstrip("/")
    mode = harness.mode  # type: ignore[attr-defined]
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    # Pages that need a user send you to sign-in and back.
    page.goto(base + "/dashboard")
    expect(page).to_have_url(re.compile(r"/sign-in\?next=(/|%2F)dashboard/?$"), timeout=SLOW)
    expect(page.locator("form").get_by_role("button", name="Sign in")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "sign-in")
    page.goto(base + "/")
    expect(page.get_by_role("link", name="Get started").first).to_be_visible(timeout=SLOW)
    assert_accessible(page, "the landing page")
    page.goto(base + "/sign-up")
    expect(page.get_by_role("button", name="Create account")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "sign-up")

    sign_up(page, base, "Maria Lopez")
    expect(page.get_by_text("What is missing and why it matters")).to_be_visible()
    # A bad value is refused next to its field and nothing is saved.
    page.get_by_label("GPA", exact=True).fill("7")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_text("Enter a GPA between 0 and 4.0")).to_be_visible()
    expect(page.locator("#completion")).to_have_text("0%")
    assert_accessible(page, "the profile with an error shown")
    page.get_by_label("GPA", exact=True).fill("3.8")
    page.get_by_label("Intended major").fill("Computer Science")
    page.locator("#academic_level").click()
    page.get_by_role("option", name="High-school senior").click()
    page.locator("#state").click()
    page.get_by_role("option", name="Texas").click()
    page.locator("#citizenship").click()
    page.get_by_role("option", name="US citizen").click()
    page.get_by_role("checkbox", name="Technology").click()
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    expect(page.locator("#completion")).not_to_have_text("0%")
    screenshot(page, f"profile-{mode}")
    assert_accessible(page, "the profile")

    # Matches: nothing is a match until every rule is met. Possible cards ask the questions
    # that decide them; answering moves cards to Matches.
    page.get_by_role("link", name="Matches").first.click()
    tab = page.get_by_role("radio", name=re.compile(r"^Matches \(\d+\)$"))
    expect(tab).to_be_visible(timeout=SLOW)
    refresh = page.get_by_role("button", name="Refresh matches").first
    expect(refresh).to_be_enabled(timeout=SLOW)
    page.get_by_role("radio", name=re.compile(r"^Possible \(\d+\)$")).click()
    expect(page.get_by_role("heading", name="Questions that unlock the most money")).to_be_visible(
        timeout=SLOW
    )
    screenshot(page, f"matches-possible-{mode}")
    assert_accessible(page, "possible matches")
    page.screenshot(path=str(SCREENSHOTS / f"matches-possible-top-{mode}.png"))
    for _ in range(15):
        if tab.get_attribute("aria-label") != "Matches (0)" and "(0)" not in tab.inner_text():
            break
        page.get_by_role("button", name="Yes").first.click()
        # The answer is kept and the matches are recomputed in the background.
        expect(page.get_by_text(re.compile(r"^Matches refreshed: \d+"))).to_be_visible(timeout=SLOW)
        expect(refresh).to_be_enabled(timeout=SLOW)
        page.wait_for_timeout(300)
    expect(page.get_by_role("radio", name="Matches (0)")).to_have_count(0, timeout=SLOW)
    tab.click()
    expect(page.get_by_label("Match score").first).to_be_visible(timeout=SLOW)
    expect(page.get_by_text(re.compile(r"^Eligibility: \d+ met")).first).to_be_visible()
    expect(page.get_by_text("Why it sits here").first).to_be_visible()
    # A card's verdict table loads when its "Eligibility" opens, and goes when it closes.
    eligibility = page.get_by_role("button", name=re.compile(r"^Eligibility: \d+ met")).first
    expect(eligibility).to_have_attribute("aria-expanded", "false")
    eligibility.click()
    expect(eligibility).to_have_attribute("aria-expanded", "true", timeout=SLOW)
    table = page.get_by_role("region", name=re.compile(r"^Eligibility: "))
    expect(table.get_by_text(re.compile(r"^Level")).first).to_be_visible()
    page.wait_for_timeout(500)  # the accordion's opening animation, for the screenshot
    screenshot(page, f"matches-{mode}")
    assert_accessible(page, "a filled-in matches list")
    eligibility.click()
    expect(eligibility).to_have_attribute("aria-expanded", "false", timeout=SLOW)
    expect(table).to_have_count(0)
    page.get_by_role("button", name="Bookmark").first.click()
    expect(page.get_by_role("button", name="Remove bookmark").first).to_be_visible()
    page.get_by_role("button", name="Dismiss").first.click()
    page.get_by_role("radio", name="Deadline too soon").click()
    assert_accessible(page, "the dismiss dialog")
    page.get_by_role("alertdialog").get_by_role("button", name="Dismiss").click()
    expect(page.get_by_text("Dismissed. You can undo it below.")).to_be_visible()
    page.get_by_role("button", name="Undo").click()
    expect(page.get_by_text("Restored to your matches.")).to_be_visible()

    # Discovery and one scholarship with its eligibility table.
    page.goto(base + "/scholarships")
    page.get_by_label("Search scholarships").fill("Coca-Cola")
    card = page.get_by_role("heading", name="Coca-Cola Scholars Program")
    expect(card).to_be_visible(timeout=SLOW)
    screenshot(page, f"scholarships-{mode}")
    assert_accessible(page, "the scholarships list")
    card.click()
    expect(page.get_by_role("heading", name="Do you qualify?")).to_be_visible(timeout=SLOW)
    expect(page.get_by_role("cell", name="Level")).to_be_visible()
    expect(page.get_by_text("Looks legitimate")).to_be_visible()
    expect(page.get_by_text(re.compile(r"^Verified on "))).to_be_visible()
    # A requirement the student has yet to answer is asked once, beside its Yes/No buttons
    # (its detail used to print the same question a second time).
    expect(page.get_by_text(re.compile(r"^Are you free of any family tie"))).to_have_count(1)
    screenshot(page, f"scholarship-{mode}")
    assert_accessible(page, "a scholarship")
    page.get_by_role("button", name="Start application").click()

    # The tracker follows the allowed transitions.
    expect(page).to_have_url(re.compile(r"/applications/?$"), timeout=SLOW)
    expect(page.get_by_role("button", name="→ Submitted")).to_have_count(0)
    page.get_by_role("button", name="→ In progress").click()
    expect(page.get_by_text("Moved to In progress.")).to_be_visible()
    screenshot(page, f"applications-{mode}")
    assert_accessible(page, "applications")

    # An essay, analysed by the offline assistant: free, and the balance does not change.
    page.goto(base + "/essays")
    expect(page.get_by_label("Title")).to_be_visible(timeout=SLOW)
    assert_accessible(page, "the essays list")
    page.get_by_label("Title").fill("Why engineering")
    page.get_by_label("Prompt").fill("Describe a challenge you overcame and what you learned.")
    page.get_by_role("button", name="Create essay").click()
    expect(page).to_have_url(re.compile(r"/essays/\d+/?$"), timeout=SLOW)
    essay_url = page.url
    page.get_by_label("Essay text").fill(ESSAY)
    expect(page.locator("#word-count")).to_contain_text(f"{len(ESSAY.split())} words")
    expect(page.locator("#balance")).to_have_text("1,000")
    expect(page.locator("#price")).to_have_text("Free: the offline assistant calls no model")
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Strengths")).to_be_visible(timeout=SLOW)
    expect(page.locator("#balance")).to_have_text("1,000")
    screenshot(page, f"essay-{mode}")
    assert_accessible(page, "an essay with a tool's result")

    page.goto(base + "/dashboard")
    expect(page.get_by_role("heading", name="Dashboard", level=1)).to_be_visible(timeout=SLOW)
    expect(page.get_by_text("1 bookmarked")).to_be_visible()
    screenshot(page, f"dashboard-{mode}")
    assert_accessible(page, "the dashboard")
    page.goto(base + "/credits")
    expect(page.get_by_role("cell", name="Welcome credits")).to_be_visible(timeout=SLOW)
    # The offline analysis was free: it left no entry in the ledger.
    expect(page.get_by_role("cell", name="AI use")).to_have_count(0)
    screenshot(page, f"credits-{mode}")
    assert_accessible(page, "credits")

    # Dark mode and a phone.
    page.emulate_media(color_scheme="dark")
    page.set_viewport_size({"width": 390, "height": 844})
    for name in ("dashboard", "matches"):
        page.goto(f"{base}/{name}")
        page.wait_for_timeout(1500)
        screenshot(page, f"{name}-{mode}-dark-phone")
        # Nothing is wider than the phone: the page never scrolls sideways.
        assert page.evaluate("document.documentElement.scrollWidth") <= 390, name
    page.set_viewport_size({"width": 1280, "height": 900})
    page.emulate_media(color_scheme="light")

    # Sign out: private pages send you to sign in again.
    page.goto(base + "/dashboard")
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Sign out", exact=True).click()
    expect(page).to_have_url(HOME, timeout=SLOW)
    page.goto(base + "/credits")
    expect(page).to_have_url(re.compile(r"/sign-in"), timeout=SLOW)

    # A second student sees none of the first one's data.
    other = browser.new_context(viewport={"width": 1280, "height": 900})
    page2 = other.new_page()
    page2.set_default_timeout(20_000)
    sign_up(page2, base, "Sam Other")
    page2.goto(essay_url)
    expect(page2.get_by_text("Essay not found")).to_be_visible(timeout=SLOW)
    expect(page2.get_by_label("Essay text")).to_have_count(0)
    page2.goto(base + "/applications")
    expect(page2.get_by_text("No applications yet")).to_be_visible(timeout=SLOW)
    page2.goto(base + "/credits")
    expect(page2.get_by_role("cell", name="AI use")).to_have_count(0)
    other.close()
    context.close()
    assert errors == []
