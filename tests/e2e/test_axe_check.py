"""The axe-core check itself: it finds real violations and names the rule and the element."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser

from tests.e2e.axe import assert_accessible, axe_violations

# Like the app, the page follows the system colour scheme with a "dark" class on <html>.
FOLLOW_SCHEME = """<script>const m = matchMedia("(prefers-color-scheme: dark)");
const f = () => document.documentElement.classList.toggle("dark", m.matches);
f(); m.addEventListener("change", f);</script>"""

BROKEN = f"""<!doctype html><html lang="en"><head><title>t</title>{FOLLOW_SCHEME}</head><body><main>
<img src="data:," id="photo"><input id="unlabelled">
<p style="color:#aaa;background:#fff">Pale text</p></main></body></html>"""
FIXED = f"""<!doctype html><html lang="en"><head><title>t</title>{FOLLOW_SCHEME}</head><body><main>
<img src="data:," alt="A student"><label>Name <input></label>
<p style="color:#333;background:#fff">Dark text</p></main></body></html>"""


def test_axe_names_each_violation_and_passes_a_clean_page(browser: Browser) -> None:
    page = browser.new_page()
    page.set_content(BROKEN)
    rules = {v["id"] for v in axe_violations(page)}
    assert {"image-alt", "label", "color-contrast"} <= rules
    with pytest.raises(AssertionError) as failure:
        assert_accessible(page, "a broken page")
    report = str(failure.value)
    assert "image-alt (critical) at #photo" in report
    assert "label (critical) at #unlabelled" in report
    assert "dark mode, 390px wide" in report  # every view is reported

    page.set_content(FIXED)
    assert axe_violations(page) == []
    page.close()
