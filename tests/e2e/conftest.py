"""The app in Chromium: AppHarness (dev and prod) on loopback, driven by Playwright."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from scholarlink.settings import PROJECT_ROOT

os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
_bun = PROJECT_ROOT / ".tools" / "bun" / "node_modules" / ".bin" / "bun"
if _bun.exists():
    os.environ.setdefault("REFLEX_BUN_PATH", str(_bun))

from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402
from reflex.testing import AppHarness, AppHarnessProd  # noqa: E402
from reflex_base.constants.installer import PackageJson  # noqa: E402

from tests.conftest import use_database  # noqa: E402

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


@pytest.fixture(scope="session")
def e2e_database(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A migrated SQLite database with the real catalogue, shared by the browser tests."""
    from scholarlink.db import session_scope
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
