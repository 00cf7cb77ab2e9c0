"""A dropped connection or a reload does not wipe what the student just did: Reflex runs a page's
on_load again when its websocket reconnects and when the page reloads, and those loads keep the
sign-up's "check your inbox" and an essay tool's result. Coming to the page from another page
still starts afresh."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

from playwright.sync_api import BrowserContext, Page, WebSocket, expect
from reflex.testing import AppHarness

from tests.e2e.test_student_journey import SLOW, sign_up

DRAFT = (Path(__file__).parents[1] / "data" / "essays" / "typos.txt").read_text().strip()


def drop_connection(context: BrowserContext, page: Page) -> None:
    """The network goes away for a moment (a phone in a tunnel) and comes back: the page's
    websocket closes and socket.io opens a new one, whose first message rehydrates the page."""
    opened: list[WebSocket] = []

    def on_socket(ws: WebSocket) -> None:
        opened.append(ws)

    page.on("websocket", on_socket)
    context.set_offline(True)
    page.wait_for_timeout(1_500)
    context.set_offline(False)
    for _ in range(120):
        if opened:
            break
        page.wait_for_timeout(250)
    page.remove_listener("websocket", on_socket)
    assert opened, "the page did not open a new websocket after the network came back"
    page.wait_for_timeout(1_500)  # the reconnect's hydrate and its on_load have been answered


def test_sign_up_notice_survives_a_dropped_connection_and_a_reload(
    harness: AppHarness, page: Page
) -> None:
    base = harness.frontend_url.rstrip("/")
    context = page.context
    page.goto(base + "/sign-up")
    email = f"flaky-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("Name").fill("Flaky Network")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    notice = page.get_by_text("Check your inbox.")
    expect(notice).to_be_visible(timeout=SLOW)

    drop_connection(context, page)
    expect(page.get_by_text(email)).to_be_visible(timeout=SLOW)
    page.wait_for_timeout(1_000)  # time for a wrongly re-run reset to land
    expect(notice).to_be_visible()

    page.reload()
    expect(page.get_by_role("button", name="Create account")).to_be_enabled(timeout=SLOW)
    page.wait_for_timeout(1_000)
    expect(notice).to_be_visible()
    expect(page.get_by_text(email)).to_be_visible()

    # Another page, then back: a fresh form.
    page.get_by_role("link", name="Sign in").first.click()
    expect(page).to_have_url(re.compile(r"/sign-in/?$"), timeout=SLOW)
    page.wait_for_timeout(1_500)  # its on_load has reached the server
    page.goto(base + "/sign-up")
    expect(page.get_by_role("button", name="Create account")).to_be_enabled(timeout=SLOW)
    page.wait_for_timeout(1_000)
    expect(notice).to_have_count(0)


def test_essay_tool_result_survives_a_dropped_connection_and_a_reload(
    harness: AppHarness, page: Page
) -> None:
    base = harness.frontend_url.rstrip("/")
    context = page.context
    sign_up(page, base, "Tunnel Rider")
    page.goto(base + "/essays")
    page.get_by_label("Title").fill("On the train")
    page.get_by_role("button", name="Create essay").click()
    expect(page).to_have_url(re.compile(r"/essays/\d+/?$"), timeout=SLOW)
    essay_url = page.url
    page.get_by_label("Essay text").fill(DRAFT)
    expect(page.locator("#word-count")).to_have_text("89 words")
    page.get_by_role("button", name="Run").click()
    spelling = page.locator("#spelling")
    expect(spelling).to_contain_text("volunterred → volunteered", timeout=SLOW)

    drop_connection(context, page)
    page.wait_for_timeout(1_000)
    expect(spelling).to_contain_text("volunterred → volunteered")
    expect(page.get_by_label("Essay text")).to_contain_text("volunterred")

    page.reload()
    expect(page.locator("#word-count")).to_have_text("89 words", timeout=SLOW)
    page.wait_for_timeout(1_000)
    expect(spelling).to_contain_text("volunterred → volunteered")

    # The library, then the essay again: the editor opens without the old result.
    page.goto(base + "/essays")
    expect(page.get_by_text("On the train").first).to_be_visible(timeout=SLOW)  # its load ran
    page.goto(essay_url)
    expect(page.locator("#word-count")).to_have_text("89 words", timeout=SLOW)
    page.wait_for_timeout(1_000)
    expect(page.locator("#spelling")).to_have_count(0)
