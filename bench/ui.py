"""Student-facing speed in prod mode, beside a one-button Reflex page measured in the same run.

- First render: navigation start → the dashboard's figures on screen (signed in), versus
  navigation start → the one-button page's button on screen.
- State event round trip, timed inside the page (performance.now() around a click until a
  MutationObserver sees the change): bookmarking a match (a database write) versus the
  one-button page's counter.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import uuid
from datetime import date
from pathlib import Path

from playwright.sync_api import Page, sync_playwright
from reflex.testing import AppHarnessProd

from scholarlink.core.settings import PROJECT_ROOT

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROUND_TRIP_JS = """
async ([selector, target]) => {
  const button = document.querySelector(selector);
  const watched = document.querySelector(target);
  const before = watched.outerHTML;
  return await new Promise((resolve) => {
    const start = performance.now();
    const observer = new MutationObserver(() => {
      if (watched.outerHTML !== before) { observer.disconnect(); resolve(performance.now() - start); }
    });
    observer.observe(watched, {subtree: true, childList: true, attributes: true, characterData: true});
    button.click();
  });
}
"""


def one_button_app() -> None:
    import reflex as rx

    class Counter(rx.State):
        count: int = 0

        @rx.event
        def increment(self) -> None:
            self.count += 1

    def index() -> rx.Component:
        return rx.vstack(
            rx.button("Add one", id="add", on_click=Counter.increment),
            rx.text(Counter.count, id="count"),
        )

    app = rx.App()
    app.add_page(index)


def first_render(page: Page, url: str, selector: str) -> float:
    page.goto(url, wait_until="commit")
    page.wait_for_selector(selector, state="visible")
    return float(page.evaluate("performance.now()"))


def round_trips(page: Page, selector: str, target: str, n: int) -> list[float]:
    out = []
    for _ in range(n):
        out.append(float(page.evaluate(ROUND_TRIP_JS, [selector, target])))
        page.wait_for_timeout(50)
    return out


def _student(db_url: str) -> str:
    os.environ["DATABASE_URL"] = db_url
    from scholarlink.core.db import reset_engine, session_scope
    from scholarlink.core.settings import reset_settings_cache
    from scholarlink.migrations import upgrade_to_head
    from scholarlink.services import matches, profiles
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue
    from tests.support import accounts

    reset_settings_cache()
    reset_engine()
    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
    grant = accounts.student(f"bench-{uuid.uuid4().hex[:6]}@example.org", display_name="Bench")
    with session_scope() as s:
        profiles.update_profile(
            s,
            user_id=grant.user_id,
            changes=profiles.parse_profile_input(
                {
                    # A full profile, so that the matches page has sure matches to bookmark
                    # (a blank field is unknown, never "yes").
                    "gpa": 3.7,
                    "gpaWeighted": False,
                    "major": "Biology",
                    "academicLevel": "undergraduate",
                    "graduationYear": date.today().year + 3,
                    "birthDate": f"{date.today().year - 19}-04-01",
                    "state": "TX",
                    "schoolState": "TX",
                    "citizenship": "us_citizen",
                    "demographics": [],
                    "financialNeed": True,
                    "pellEligible": True,
                }
            ),
        )
    matches.refresh_matches(user_id=grant.user_id)
    # Like a student on the matches page: confirm the requirements the profile cannot settle
    # (a college student attends an accredited college...), so that sure matches exist.
    for question in matches.overview(user_id=grant.user_id).top_questions:
        if question.field.startswith("answer:"):
            matches.answer_question(
                user_id=grant.user_id,
                field_name=question.field,
                question=question.question,
                answer=True,
            )
    matches.refresh_matches(user_id=grant.user_id)
    assert matches.overview(user_id=grant.user_id).counts["match"], "no sure match to bookmark"
    return grant.token


def main() -> None:
    print("== student UI, prod mode (AppHarnessProd), Chromium ==")
    tmp = Path(tempfile.mkdtemp(prefix="bench-ui-"))
    token = _student(f"sqlite:///{tmp / 'ui.db'}")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
        with AppHarnessProd.create(root=tmp / "one_button", app_source=one_button_app) as base:
            page = browser.new_page()
            base_render = [first_render(page, base.frontend_url, "#add") for _ in range(7)][2:]
            base_trip = round_trips(page, "#add", "#count", 30)
            page.close()
        with AppHarnessProd.create(root=Path(PROJECT_ROOT)) as app:
            url = app.frontend_url.rstrip("/")
            context = browser.new_context()
            context.add_cookies([{"name": "scholarlink_session", "value": token, "url": url}])
            page = context.new_page()
            dash = [
                first_render(page, f"{url}/dashboard", "text=Upcoming deadlines") for _ in range(7)
            ][2:]
            page.goto(f"{url}/matches")
            page.wait_for_selector("[aria-label='Match score']")
            page.evaluate(
                "document.querySelectorAll('button[aria-label=Bookmark], button[aria-label=\"Remove bookmark\"]')[0].id = 'bm'"
            )
            trip = round_trips(page, "#bm", "#bm", 20)
            context.close()
        browser.close()
    d50, b50 = statistics.median(dash), statistics.median(base_render)
    t50, bt50 = statistics.median(trip), statistics.median(base_trip)
    print(
        f"first render   dashboard p50 {d50:7.1f} ms   one-button page p50 {b50:7.1f} ms   ratio {d50 / b50:4.1f}x"
    )
    print(
        f"event round trip  bookmark p50 {t50:6.1f} ms   counter p50 {bt50:6.1f} ms   ratio {t50 / bt50:4.1f}x"
    )


if __name__ == "__main__":
    main()
