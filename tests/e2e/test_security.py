"""Browser-side security, against the running app (dev and prod harness): CORS and the websocket
only for the app's own origin, the session cookie out of JavaScript's reach, no secret in Reflex's
state store, and every event handler safe against crafted arguments (issue 12, items 1–3 and 5)."""

from __future__ import annotations

import inspect
import pickle
import re
import threading
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import socketio
from playwright.sync_api import Browser, expect
from reflex.testing import AppHarness
from reflex_base.config import get_config

from scholarlink.core.settings import PROJECT_ROOT
from tests.e2e.conftest import HOME, confirm_sign_up
from tests.e2e.test_student_journey import SLOW

PASSWORD = "correct horse 42"


def _socket_client(origin: str) -> socketio.Client:
    """A socket.io client whose handshake says it comes from `origin` (as a browser's would)."""
    return socketio.Client(
        reconnection=False, websocket_extra_options={"origin": origin, "suppress_origin": False}
    )


def _backend(harness: AppHarness) -> str:
    return str(get_config().api_url).rstrip("/")


def _origin(url: str) -> str:
    m = re.match(r"^(https?://[^/]+)", url)
    assert m
    return m.group(1)


def _student(email: str) -> str:
    """A student with a live session; returns the session token (as a browser cookie holds it)."""
    from tests.support import accounts

    return accounts.student(email, PASSWORD, display_name="Sam").token


def test_only_the_apps_own_origin_may_call_the_api_with_credentials(harness: AppHarness) -> None:
    backend = _backend(harness)
    own = _origin(harness.frontend_url or "")
    # Another port of the same host is another origin: the attack came from there.
    foreign = [re.sub(r":\d+$", ":1", own), "http://evil.example", "null"]
    token = _student(f"cors-{uuid.uuid4().hex[:6]}@example.org")
    cookies = {"scholarlink_session": token}
    paths = [
        p.replace("{id}", "1").replace("{token}", "x").replace("{outbox_id}", "1")
        for p in httpx.get(f"{backend}/openapi.json").json()["paths"]
        if p.startswith("/api/")
    ]
    assert "/api/account/export" in paths and len(paths) >= 8
    with httpx.Client(cookies=cookies, timeout=20) as client:
        for path in paths:
            for origin in foreign:
                r = client.get(f"{backend}{path}", headers={"Origin": origin})
                # Without Access-Control-Allow-Origin the browser hands the page nothing.
                assert "access-control-allow-origin" not in r.headers, (path, origin)
                pre = client.options(
                    f"{backend}{path}",
                    headers={"Origin": origin, "Access-Control-Request-Method": "GET"},
                )
                assert pre.headers.get("access-control-allow-origin") is None, (path, origin)
        r = client.get(f"{backend}/api/account/export", headers={"Origin": own})
        assert r.status_code == 200 and r.headers["access-control-allow-origin"] == own
    # The websocket refuses a foreign origin's handshake too.
    for origin, allowed in ((foreign[0], False), (own, True)):
        client = _socket_client(origin)
        try:
            client.connect(
                f"{backend}?token={uuid.uuid4()}",
                socketio_path="/_event",
                namespaces=["/_event"],
                transports=["websocket"],
                wait_timeout=10,
            )
            connected = True
        except socketio.exceptions.ConnectionError:
            connected = False
        finally:
            client.disconnect()
        assert connected is allowed, origin


def _state_store_bytes(harness: AppHarness) -> bytes:
    """Everything Reflex's state manager holds: its files on disk and its in-memory states."""
    chunks: list[bytes] = []
    roots = [Path(PROJECT_ROOT) / ".states", Path(PROJECT_ROOT) / ".web" / ".states"]
    for path in [p for root in roots for p in root.glob("*.pkl")]:
        try:
            chunks.append(path.read_bytes())
        except OSError:
            continue
    app: Any = harness.app_instance
    manager: Any = getattr(app, "_state_manager", None)
    for state in list(getattr(manager, "states", {}).values()):
        try:
            chunks.append(pickle.dumps(state))
        except Exception:
            chunks.append(state._serialize() if hasattr(state, "_serialize") else b"")
    return b"".join(chunks)


def test_the_session_cookie_is_httponly_and_no_secret_reaches_the_state_store(
    harness: AppHarness, browser: Browser
) -> None:
    base = (harness.frontend_url or "").rstrip("/")
    context = browser.new_context()
    page = context.new_page()
    email = f"vault-{uuid.uuid4().hex[:8]}@example.org"
    wrong = f"Wr0ng-{uuid.uuid4().hex}"
    # A failed sign-up (weak password), then a real one.
    page.goto(base + "/sign-up")
    page.get_by_label("E-mail").fill(email)
    weak = f"password{uuid.uuid4().int % 100}"
    page.get_by_label("Password", exact=True).fill(weak)
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_text("Not a common or easily guessed password").first).to_be_visible(
        timeout=SLOW
    )
    expect(page.get_by_label("Password", exact=True)).to_have_value("")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_role("button", name="Create account").click()
    confirm_sign_up(page, base, email)

    [cookie] = [c for c in context.cookies() if c["name"] == "scholarlink_session"]
    assert cookie["httpOnly"] is True and cookie["sameSite"] == "Lax"
    assert cookie["secure"] is False  # served over http here; Secure whenever https
    assert page.evaluate("document.cookie").find("scholarlink_session") == -1
    token = cookie["value"]

    # Sign out, then a failed sign-in with a password that must not be kept anywhere.
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Sign out", exact=True).click()
    expect(page).to_have_url(HOME, timeout=SLOW)
    assert not [c for c in context.cookies() if c["name"] == "scholarlink_session"]
    page.goto(base + "/sign-in")
    page.get_by_label("E-mail").fill(email)
    page.get_by_label("Password", exact=True).fill(wrong)
    page.locator("form").get_by_role("button", name="Sign in").click()
    expect(page.get_by_text("Wrong e-mail or password")).to_be_visible(timeout=SLOW)
    expect(page.get_by_label("Password", exact=True)).to_have_value("")

    store = _state_store_bytes(harness)
    assert store, "the state store was not found"
    for secret in (token, PASSWORD, weak, wrong):
        assert secret.encode() not in store, f"{secret[:6]}… is in the state store"
    context.close()


# -- crafted websocket events -----------------------------------------------------------------

HOSTILE_VALUES: list[Any] = [
    2**64,
    -(2**70),
    "1e400",
    {"nested": {"deep": [1, 2]}},
    [None],
    None,
    True,
]


def _handlers() -> list[tuple[str, str, inspect.Signature]]:
    from scholarlink.state.session import SessionState

    found = []
    stack = [SessionState]
    while stack:
        cls = stack.pop()
        stack.extend(cls.get_substates())
        for name, handler in cls.event_handlers.items():
            if name.startswith("set_") and name not in vars(cls):
                continue  # Reflex's generated setters: not ours
            fn = inspect.unwrap(handler.fn)
            found.append((f"{cls.get_full_name()}.{name}", name, inspect.signature(fn)))
    # Sign-out handlers last, so the rest run signed in.
    return sorted(found, key=lambda h: h[1].startswith("sign_out"))


def _payloads(signature: inspect.Signature) -> list[dict[str, Any]]:
    params = [p for p in signature.parameters if p != "self"]
    variants: list[dict[str, Any]] = [{"unexpected_argument": 1}]
    if params:
        variants.append({})  # missing arguments
        for param in params:
            for value in HOSTILE_VALUES:
                variants.append({p: (value if p == param else 1) for p in params})
    return variants


def test_every_handler_refuses_crafted_arguments_without_an_error(harness: AppHarness) -> None:
    backend = _backend(harness)
    token = _student(f"ws-{uuid.uuid4().hex[:6]}@example.org")
    client = _socket_client(_origin(harness.frontend_url or ""))
    finals: list[int] = []
    done = threading.Event()

    @client.on("event", namespace="/_event")
    def on_event(data: Any) -> None:
        finals.append(1)
        done.set()

    client.connect(
        f"{backend}?token={uuid.uuid4()}",
        socketio_path="/_event",
        namespaces=["/_event"],
        transports=["websocket"],
        headers={"Cookie": f"scholarlink_session={token}"},
        wait_timeout=20,
    )
    sent = 0
    try:
        for full_name, _, signature in _handlers():
            for payload in _payloads(signature):
                done.clear()
                client.emit(
                    "event",
                    {
                        "name": full_name,
                        "payload": payload,
                        "router_data": {
                            "pathname": "/essays/999999",
                            "asPath": "/essays/999999",
                            "query": {"eid": "999999", "sid": "99999999999999999999"},
                        },
                    },
                    namespace="/_event",
                )
                sent += 1
                done.wait(2)  # a refused event changes nothing, so it may send no update
        # The connection still works: an event that changes state is answered.
        from scholarlink.pages.matches import MatchesState

        done.clear()
        client.emit(
            "event",
            {
                "name": f"{MatchesState.get_full_name()}.set_view",
                "payload": {"value": "possible"},
                "router_data": {"pathname": "/matches", "asPath": "/matches"},
            },
            namespace="/_event",
        )
        assert done.wait(15), "the socket stopped answering"
        time.sleep(1)  # let the last events' logs arrive
    finally:
        client.disconnect()
    assert sent > 100 and finals
    # Any ERROR logged meanwhile fails this test (tests/conftest.py).
