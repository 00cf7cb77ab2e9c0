"""axe-core (npm, pinned in tests/support/axe) injected into a page: WCAG 2.2 A and AA rules."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from scholarlink.core.settings import PROJECT_ROOT

AXE_JS = PROJECT_ROOT / "tests" / "support" / "axe" / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page: Page) -> list[dict[str, Any]]:
    """axe's violations for the page as it is now (every WCAG 2.0–2.2 A/AA rule)."""
    if not AXE_JS.exists():
        raise RuntimeError("run `make axe` (npm ci --prefix tests/support/axe); make test does")
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE_JS))
    # A toast fades in and out: measured mid-fade its text blends into its background (the
    # failed run: 2.63:1 on a "saved" toast's title). Toasts are announcements that leave by
    # themselves; let any on screen go before colours are measured.
    page.wait_for_function("() => !document.querySelector('[data-sonner-toast]')", timeout=20_000)
    # Let transitions (dialogs, menus, colour-mode changes) settle before colours are measured.
    page.wait_for_timeout(400)
    result: dict[str, Any] = page.evaluate(
        """(tags) => axe.run(document, {runOnly: {type: "tag", values: tags},
                                    resultTypes: ["violations"]})""",
        WCAG_AA,
    )
    return list(result["violations"])


def describe(violations: list[dict[str, Any]]) -> str:
    """One line per violating element: rule, impact, selector and axe's summary of the fix."""
    lines = []
    for v in violations:
        for node in v["nodes"]:
            target = " ".join(str(t) for t in node["target"])
            summary = " ".join(node.get("failureSummary", "").split())
            lines.append(f"{v['id']} ({v.get('impact')}) at {target}: {summary}")
    return "\n".join(lines)


DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# Light and dark at both widths, ending where the journeys run (light, desktop).
VIEWS = (("dark", DESKTOP), ("dark", PHONE), ("light", PHONE), ("light", DESKTOP))


_IS_DARK = "(dark) => document.documentElement.classList.contains('dark') === dark"


def follow_scheme(page: Page, scheme: str) -> None:
    """Switch the emulated system colour scheme and wait until the app has followed it.

    The app follows the system setting through a media-query listener that exists only once
    the page has hydrated; in a production build the server-rendered page is visible (and
    the journeys move on) before that, so a switch made in between is never heard and the
    page keeps the scheme it was loaded with. So: switch, wait; if the page has not followed,
    switch away and back (a listener attached late hears that) and wait longer. The windows
    grow, because on a loaded machine a long page may take seconds to re-render, and switching
    again during a render only adds renders."""
    other = "light" if scheme == "dark" else "dark"
    windows = (5_000, 10_000, 20_000, 30_000)
    page.emulate_media(color_scheme=scheme)
    for attempt, window in enumerate(windows):
        try:
            page.wait_for_function(_IS_DARK, arg=scheme == "dark", timeout=window)
            return
        except PlaywrightTimeout:
            if attempt == len(windows) - 1:
                raise
            page.emulate_media(color_scheme=other)
            page.emulate_media(color_scheme=scheme)


def assert_accessible(page: Page, where: str) -> None:
    """Fail with every WCAG A/AA violation axe finds on the page as it is now (a dialog open,
    errors shown...), in light and dark mode at desktop and phone widths, named by rule and
    element. The page is left in light mode at desktop width."""
    failures = []
    for scheme, size in VIEWS:
        page.set_viewport_size(size)
        follow_scheme(page, scheme)
        found = axe_violations(page)
        if found:
            failures.append(f"-- {scheme} mode, {size['width']}px wide:\n{describe(found)}")
    assert not failures, f"axe-core found WCAG violations on {where} ({page.url}):\n" + "\n".join(
        failures
    )
