"""Organisations in Chromium: a counsellor imports local scholarships (dry run, then import); a
student with the code sees them among their matches, a student without it does not."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

from playwright.sync_api import Browser, Page, expect
from reflex.testing import AppHarness

from tests.e2e.axe import assert_accessible
from tests.e2e.conftest import screenshot
from tests.e2e.test_sharing import _sign_up
from tests.e2e.test_student_journey import SLOW

DUE = (date.today() + timedelta(days=60)).isoformat()
CSV = (
    "slug,name,url,amount,deadline,levels,min_gpa,states,description\n"
    f"senior-award,Lincoln High Senior Award,https://lincolnhigh.example.org/award,1000,{DUE},"
    "high_school_senior,3.0,,For Lincoln High seniors with a 3.0 GPA or better.\n"
    "bad-level,Broken Award,https://example.org/x,100,,sophomore,,,"
    "This line names a level that does not exist at all.\n"
)


def _senior(page: Page, base: str, name: str) -> None:
    from sqlmodel import select

    from scholarlink.core.db import session_scope
    from scholarlink.models import User
    from scholarlink.services.profiles import parse_profile_input, update_profile

    email = f"{name.split()[0].lower()}-{uuid.uuid4().hex[:8]}@example.org"
    _sign_up(page, base, name, email)
    today = date.today()
    with session_scope() as s:
        uid = s.exec(select(User.id).where(User.email == email)).one()
        update_profile(
            s,
            user_id=uid or 0,
            changes=parse_profile_input(
                {
                    "academicLevel": "high_school_senior",
                    "graduationYear": today.year + (1 if today.month >= 8 else 0),
                    "gpa": 3.6,
                    "state": "TX",
                    "citizenship": "us_citizen",
                }
            ),
        )


def _local_matches(page: Page, base: str) -> None:
    page.goto(base + "/matches")
    page.get_by_role("button", name="Refresh matches").first.click()
    expect(page.get_by_text("Matches refreshed")).to_be_visible(timeout=SLOW)


def test_a_counsellors_local_scholarships_reach_students_with_the_code(
    harness: AppHarness, browser: Browser
) -> None:
    base = (harness.frontend_url or "").rstrip("/")
    ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    counsellor = ctx.new_page()
    counsellor.set_default_timeout(20_000)
    _sign_up(
        counsellor, base, "Carla Counsellor", f"carla-{uuid.uuid4().hex[:8]}@lincoln.example.org"
    )
    counsellor.goto(base + "/organisation")
    counsellor.get_by_label("Name").fill("Lincoln High School")
    counsellor.get_by_label(re.compile(r"^State")).fill("TX")
    counsellor.get_by_role("button", name="Create").click()
    code = counsellor.locator("#join-code")
    expect(code).to_be_visible(timeout=SLOW)
    join_code = code.inner_text().strip()
    counsellor.get_by_label("Scholarships to import").fill(CSV)
    counsellor.get_by_role("button", name="Check (dry run)").click()
    expect(
        counsellor.get_by_text(
            "Dry run (nothing written): 1 added, 0 changed, 0 unchanged, 1 refused"
        )
    ).to_be_visible(timeout=SLOW)
    expect(counsellor.get_by_role("cell", name="would add")).to_be_visible()
    expect(counsellor.get_by_role("cell", name=re.compile(r"unknown level"))).to_be_visible()
    counsellor.get_by_role("button", name="Import", exact=True).click()
    expect(counsellor.get_by_text("Imported: 1 added")).to_be_visible(timeout=SLOW)
    expect(counsellor.get_by_role("cell", name="Lincoln High Senior Award").first).to_be_visible()
    screenshot(counsellor, f"organisation-{harness.mode}")  # type: ignore[attr-defined]
    assert_accessible(counsellor, "organisation")

    member_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    member = member_ctx.new_page()
    member.set_default_timeout(20_000)
    _senior(member, base, "Mia Member")
    member.goto(base + "/organisation/join")
    member.get_by_label("Join code").fill(join_code)
    member.get_by_text("Let counsellors see which local scholarships I match").click()
    member.get_by_role("button", name="Join").click()
    expect(member.get_by_text("You joined Lincoln High School")).to_be_visible(timeout=SLOW)
    assert_accessible(member, "joining an organisation")
    _local_matches(member, base)
    expect(member.get_by_text("Lincoln High Senior Award").first).to_be_visible(timeout=SLOW)

    outsider_ctx = browser.new_context(viewport={"width": 1280, "height": 900})
    outsider = outsider_ctx.new_page()
    outsider.set_default_timeout(20_000)
    _senior(outsider, base, "Omar Outsider")
    _local_matches(outsider, base)
    expect(outsider.get_by_text("Lincoln High Senior Award")).to_have_count(0)

    # The counsellor sees the student, and that she matches the local award (she shares that).
    counsellor.reload()
    row = (
        counsellor.get_by_role("row")
        .filter(has_text="Lincoln High Senior Award")
        .filter(has_text="Mia Member")
    )
    expect(row).to_be_visible(timeout=SLOW)
    expect(counsellor.get_by_role("row").filter(has_text="Omar Outsider")).to_have_count(0)
    for c in (ctx, member_ctx, outsider_ctx):
        c.close()
