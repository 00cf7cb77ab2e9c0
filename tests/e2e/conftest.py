"""The app in Chromium: AppHarness (dev and prod) on loopback, driven by Playwright."""

from __future__ import annotations

import os
import re
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from aiosmtpd.controller import Controller

from scholarlink.core.settings import PROJECT_ROOT

os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
_bun = PROJECT_ROOT / ".tools" / "bun" / "node_modules" / ".bin" / "bun"
if _bun.exists():
    os.environ.setdefault("REFLEX_BUN_PATH", str(_bun))

from playwright.sync_api import Browser, Page, expect, sync_playwright  # noqa: E402
from reflex.testing import AppHarness, AppHarnessProd  # noqa: E402
from reflex_base.constants.installer import PackageJson  # noqa: E402

from tests.conftest import use_database  # noqa: E402
from tests.support.mailserver import Inbox  # noqa: E402
from tests.support.processes import free_port  # noqa: E402

PackageJson.Commands.DEV = "react-router dev --host 127.0.0.1"
CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = PROJECT_ROOT / "artifacts" / "screenshots"
# The home page itself. Not r"/$": the prod build's pages have a trailing slash (/privacy/), so
# that would match the page a sign-out or deletion is still leaving, and the test would go on
# to its next page before the handler's redirect arrived — which then lands on that next page.
HOME = re.compile(r"^https?://[^/]+/$")


# One real SMTP server (aiosmtpd) for the browser tests: sign-up confirmations arrive there and
# the tests follow their links, as a student does. Started before any app (the harnesses and the
# scaled-out processes inherit SMTP_HOST/SMTP_PORT).
INBOX = Inbox()


@pytest.fixture(scope="session")
def e2e_mail() -> Iterator[Inbox]:
    from scholarlink.core.settings import reset_settings_cache

    controller = Controller(INBOX, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: os.environ.get(k) for k in ("SMTP_HOST", "SMTP_PORT")}
    os.environ["SMTP_HOST"] = "127.0.0.1"
    os.environ["SMTP_PORT"] = str(controller.port)
    reset_settings_cache()
    try:
        yield INBOX
    finally:
        controller.stop()
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        reset_settings_cache()


def mailed_link(email: str, path: str, timeout: float = 30.0) -> str:
    """The first link to `path` in the newest mail to `email` (waits for it to arrive)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for message in reversed(INBOX.to(email)):
            body = message.get_body(("plain",))
            text = body.get_content() if body is not None else ""
            found = re.search(rf"https?://[^\s]+{re.escape(path)}\?[^\s]+", text)
            if found:
                return found.group()
        time.sleep(0.2)
    raise AssertionError(f"no mail with a {path} link reached {email}")


def confirm_sign_up(page: Page, base: str, email: str) -> None:
    """After the sign-up form: "check your inbox", then the mailed link, as a student does."""
    expect(page.get_by_text("Check your inbox.")).to_be_visible(timeout=30_000)
    link = urlsplit(mailed_link(email, "/sign-up/confirm"))
    assert link.path.rstrip("/") == "/sign-up/confirm"
    page.goto(f"{base}{link.path}?{link.query}")
    page.get_by_role("button", name="Create my account").click()
    expect(page).to_have_url(re.compile(r"/profile/?$"), timeout=30_000)


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory, e2e_mail: Inbox) -> str:
    """A migrated SQLite database with the real catalogue, shared by the browser tests."""
    from scholarlink.core.db import session_scope
    from scholarlink.migrations import upgrade_to_head
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue

    url = f"sqlite:///{tmp_path_factory.mktemp('e2e') / 'app.db'}"
    use_database(url)
    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
    return url


UI_PACKAGES = (
    "scholarlink.scholarlink",
    "scholarlink.pages",
    "scholarlink.state",
    "scholarlink.components",
)


def _forget_ui_modules() -> None:
    """A harness reloads the app module and drops the app's state classes from Reflex's registry;
    the page and state modules must be imported afresh too, or the next harness compiles pages
    whose states no longer exist. (Tables and services are left alone: they hold no Reflex state.)"""
    for name in [m for m in sys.modules if m.startswith(UI_PACKAGES)]:
        del sys.modules[name]


@pytest.fixture(scope="session", params=["dev", "prod"])
def harness(request: pytest.FixtureRequest, e2e_database: str) -> Iterator[AppHarness]:
    use_database(e2e_database)
    _forget_ui_modules()
    cls = AppHarness if request.param == "dev" else AppHarnessProd
    with cls.create(root=Path(PROJECT_ROOT)) as h:
        assert h.frontend_url
        h.mode = request.param  # type: ignore[attr-defined]
        yield h


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    errors: list[str] = []
    pg.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    pg.on("pageerror", lambda e: errors.append(str(e)))
    pg.console_errors = errors  # type: ignore[attr-defined]
    yield pg
    context.close()


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


@pytest.fixture(autouse=True)
def _fresh_throttles() -> None:
    """Every browser test signs up from 127.0.0.1 into the same backend process: start each
    with clean sign-in/sign-up counters (the throttling itself is tested in integration)."""
    from scholarlink.services.throttle import reset_limiters

    reset_limiters()
