"""The scaled-out setup: prod mode with two backend workers sharing Reflex state in Redis, on
PostgreSQL. A student's journey still works while their events land on different workers."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
import redis
from playwright.sync_api import Browser, expect

from scholarlink.core.settings import PROJECT_ROOT
from tests.conftest import _create_pg_database, _drop_pg_database, use_database
from tests.e2e.conftest import confirm_sign_up, mailed_link
from tests.support.mailserver import Inbox
from tests.support.processes import free_port

REDIS_DB = 7


@pytest.fixture(scope="module")
def scaled_out(tmp_path_factory: pytest.TempPathFactory, e2e_mail: Inbox) -> Iterator[str]:
    from scholarlink.core.db import session_scope
    from scholarlink.migrations import upgrade_to_head
    from scholarlink.services.catalogue import DEFAULT_CATALOGUE, load_catalogue, parse_catalogue

    database = _create_pg_database()
    use_database(database)
    upgrade_to_head()
    parsed = parse_catalogue(DEFAULT_CATALOGUE)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
    redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).flushdb()
    port = free_port()
    log = (tmp_path_factory.mktemp("scaled") / "reflex.log").open("wb")
    env = {
        **os.environ,
        "DATABASE_URL": database,
        "REFLEX_REDIS_URL": f"redis://127.0.0.1:6379/{REDIS_DB}",
        "GRANIAN_WORKERS": "2",
        # The app's own origin (CORS, websocket) and the host the session cookie is set on.
        "APP_URL": f"http://127.0.0.1:{port}",
        "REFLEX_API_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
    }
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "reflex",
            "run",
            "--env",
            "prod",
            "--single-port",
            "--frontend-port",
            str(port),
            "--backend-port",
            str(port),
            "--backend-host",
            "127.0.0.1",
        ],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"reflex exited with {proc.returncode}; see {log.name}")
            try:
                if (
                    httpx.get(f"{url}/health", timeout=2).status_code == 200
                    and httpx.get(url, timeout=2).status_code == 200
                ):
                    break
            except httpx.HTTPError:
                pass
            time.sleep(1)
        else:
            raise RuntimeError("scaled-out app did not start")
        yield url
    finally:
        os.killpg(proc.pid, 15)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
        log.close()
        _drop_pg_database(database)


def test_two_workers_answer(scaled_out: str) -> None:
    pids = set()
    for _ in range(60):
        with httpx.Client() as client:  # a new connection each time, so both workers get some
            pids.add(client.get(f"{scaled_out}/health").json()["process"]["pid"])
        if len(pids) >= 2:
            break
    assert len(pids) >= 2, pids


def test_journey_survives_moving_between_workers(scaled_out: str, browser: Browser) -> None:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    page.goto(scaled_out + "/sign-up")
    page.get_by_label("Name").fill("Redis Student")
    email = f"redis-{uuid.uuid4().hex[:8]}@example.org"
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill("correct horse 42")
    page.get_by_role("button", name="Create account").click()
    # The worker process sent the mail; its link names the app's own URL (APP_URL).
    assert mailed_link(email, "/sign-up/confirm").startswith(scaled_out + "/sign-up/confirm?")
    confirm_sign_up(page, scaled_out, email)
    page.get_by_label("GPA", exact=True).fill("3.6")
    page.get_by_label("Intended major").fill("Nursing")
    page.get_by_role("button", name="Save profile").click()
    expect(page.get_by_role("status")).to_contain_text("Profile saved")
    # A full reload opens a new websocket, likely to the other worker: state lives in Redis.
    page.reload()
    expect(page.get_by_label("Intended major")).to_have_value("Nursing")
    page.goto(scaled_out + "/matches")
    # Level and citizenship are not answered: nothing is a match yet, the possible ones ask.
    expect(page.get_by_role("button", name="Refresh matches").first).to_be_enabled()
    expect(page.get_by_role("radio", name="Possible (0)")).to_have_count(0)
    page.get_by_role("radio", name=re.compile(r"^Possible \(\d+\)$")).click()
    expect(page.get_by_label("Match score").first).to_be_visible(timeout=30_000)
    page.goto(scaled_out + "/essays")
    page.get_by_label("Title").fill("Nursing essay")
    page.get_by_role("button", name="Create essay").click()
    expect(page).to_have_url(re.compile(r"/essays/\d+/?$"))
    expect(page.locator("#balance")).to_have_text("1,000", timeout=30_000)
    page.get_by_label("Essay text").fill(
        "I learned to care for people in 2024 at Mercy Hospital. " * 20
    )
    page.get_by_role("button", name="Run").click()
    expect(page.get_by_text("Strengths")).to_be_visible(timeout=30_000)
    expect(page.locator("#balance")).to_have_text("1,000", timeout=30_000)  # offline: free
    assert redis.Redis(host="127.0.0.1", port=6379, db=REDIS_DB).dbsize() > 0
    context.close()
