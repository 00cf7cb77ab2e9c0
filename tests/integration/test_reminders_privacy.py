"""Deadline reminders, the iCalendar feed, data export and account deletion."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from icalendar import Calendar
from sqlmodel import func, select

from scholarlink.api import create_api
from scholarlink.api.deps import SESSION_COOKIE
from scholarlink.core.db import read_scope, session_scope
from scholarlink.core.errors import ValidationFailed
from scholarlink.core.settings import reset_settings_cache
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.jobs import run_reminders
from scholarlink.models import (
    Application,
    AuthIdentity,
    CreditEntry,
    Essay,
    Match,
    Notification,
    Scholarship,
    StudentProfile,
    User,
    UserSession,
)
from scholarlink.services import applications, auth, essays, matches, privacy, reminders
from scholarlink.services.catalogue import row_values
from scholarlink.services.profiles import parse_profile_input, update_profile
from tests.support import accounts
from tests.support.mailserver import Inbox

TODAY = date(2026, 11, 25)


def _scholarship(slug: str, due: date) -> int:
    entry = CatalogueEntry.model_validate(
        {
            "slug": slug,
            "name": f"Award {slug}",
            "provider": "Foundation",
            "kind": "private",
            "status": "active",
            "url": "https://example.org/a",
            "verified_on": "2026-11-01",
            "sources": [{"url": "https://example.org/a"}],
            "amount": {"min": 1000, "max": 1000, "period": "one_time"},
            "cycles": [{"read_for": "2026-27", "deadline": due.isoformat(), "kind": "fixed"}],
            "rules": [{"type": "level", "levels": ["undergraduate"]}],
            "description": "A test award with one fixed deadline.",
        }
    )
    with session_scope() as s:
        row = Scholarship(**row_values(entry))
        s.add(row)
        s.flush()
        return row.id or 0


def _student(email: str = "rem@example.org") -> auth.SessionGrant:
    return accounts.student(email, display_name="Rem")


def test_reminders_at_21_7_and_1_days_created_once(db: str) -> None:
    grant = _student()
    due21, due7, due1, due30 = (
        _scholarship(f"s{d}", TODAY + timedelta(days=d)) for d in (21, 7, 1, 30)
    )
    with session_scope() as s:
        for sid in (due21, due1, due30):
            applications.create_application(s, user_id=grant.user_id, scholarship=sid)
        s.add(
            Match(
                user_id=grant.user_id,
                scholarship_id=due7,
                score=50,
                chance="competitive",
                bookmarked=True,
            )
        )
    with session_scope() as s:
        created = reminders.create_due_reminders(s, today=TODAY)
    assert sorted(n.title for n, _ in created) == [
        "Award s1 is due tomorrow",
        "Award s21 is due in 21 days",
        "Award s7 is due in 7 days",
    ]
    with session_scope() as s:
        assert reminders.create_due_reminders(s, today=TODAY) == []  # idempotent
        assert s.exec(select(func.count()).select_from(Notification)).one() == 3
    # A finished application stops its reminders.
    with session_scope() as s:
        app = s.exec(select(Application).where(Application.scholarship_id == due1)).one()
        app.status = "submitted"
        s.add(app)
    with session_scope() as s:
        assert reminders.create_due_reminders(s, today=TODAY - timedelta(days=6)) == []


def test_reminder_emails_sent_once_by_the_job(db: str, inbox: Inbox) -> None:
    grant = _student("mail@example.org")
    sid = _scholarship("mailme", date.today() + timedelta(days=7))
    with session_scope() as s:
        applications.create_application(s, user_id=grant.user_id, scholarship=sid)
    inbox.clear()  # the sign-up confirmation
    first = run_reminders("worker-a")
    assert first is not None and first["reminders"] == 1 and first["mail"]["sent"] == 1
    assert run_reminders("worker-b") is None  # another process: the lease is held
    again = run_reminders("worker-a")
    assert again is not None and again["reminders"] == 0 and again["mail"]["sent"] == 0
    [message] = inbox.messages
    assert message["To"] == "mail@example.org"
    assert message["Subject"] == "Award mailme is due in 7 days"


def test_calendar_feed_is_valid_icalendar_and_revocable(db: str) -> None:
    grant = _student("cal@example.org")
    sid = _scholarship("cal", date.today() + timedelta(days=40))
    with session_scope() as s:
        applications.create_application(s, user_id=grant.user_id, scholarship=sid)
        token = reminders.calendar_token(s, user_id=grant.user_id)
    with TestClient(create_api()) as client:
        r = client.get(f"/api/calendar/{token}.ics")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/calendar")
        cal = Calendar.from_ical(r.content)
        [event] = [c for c in cal.walk("VEVENT")]
        assert str(event["summary"]) == "Deadline: Award cal"
        assert event.decoded("dtstart") == date.today() + timedelta(days=40)
        with session_scope() as s:
            fresh = reminders.calendar_token(s, user_id=grant.user_id, reset=True)
        assert client.get(f"/api/calendar/{token}.ics").status_code == 404
        assert client.get(f"/api/calendar/{fresh}.ics").status_code == 200
        assert client.get("/api/calendar/nope.ics").status_code == 404


def test_two_first_visits_at_once_agree_on_one_calendar_token(db: str) -> None:
    """Both dashboards (read scopes, as they run) look before either writes: the second keeps
    the first one's token (a tab must not show a feed URL that the other tab's visit replaced)."""
    grant = _student("twotabs@example.org")
    with read_scope() as first, read_scope() as second:
        for s in (first, second):  # each sees no token yet
            assert s.get(User, grant.user_id).calendar_token is None  # type: ignore[union-attr]
        made = reminders.calendar_token(first, user_id=grant.user_id)
        got = reminders.calendar_token(second, user_id=grant.user_id)
    assert got == made
    with session_scope() as s:
        assert reminders.calendar_token(s, user_id=grant.user_id) == made
        assert s.get(User, grant.user_id).calendar_token == made  # type: ignore[union-attr]


def _populate(grant: auth.SessionGrant) -> None:
    sid = _scholarship("priv", TODAY + timedelta(days=90))
    with session_scope() as s:
        update_profile(
            s, user_id=grant.user_id, changes=parse_profile_input({"gpa": 3.5, "major": "History"})
        )
        applications.create_application(s, user_id=grant.user_id, scholarship=sid, notes="My notes")
        essays.create_essay(
            s, user_id=grant.user_id, title="Secret essay", content="My private story"
        )
        s.add(AuthIdentity(user_id=grant.user_id, issuer="https://auth.example", subject="sub-1"))
    matches.refresh_matches(user_id=grant.user_id)


def test_export_has_everything_and_needs_a_session(db: str) -> None:
    grant = _student("export@example.org")
    _populate(grant)
    with TestClient(create_api()) as client:
        assert client.get("/api/account/export").status_code == 401
        client.cookies.set(SESSION_COOKIE, grant.token)
        r = client.get("/api/account/export")
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    data = json.loads(r.content)
    assert data["account"]["email"] == "export@example.org"
    assert data["profile"]["major"] == "History"
    assert data["applications"][0]["notes"] == "My notes"
    assert data["essays"][0]["content"] == "My private story" and data["essays"][0]["versions"]
    assert data["credit_ledger"][0]["kind"] == "grant"
    assert data["sign_in_identities"][0]["subject"] == "sub-1"
    assert {"matches", "documents", "purchases", "ai_usage", "notifications"} <= set(data)


def test_delete_needs_reauthentication_then_removes_everything_readable(db: str) -> None:
    grant = _student("gone@example.org")
    _populate(grant)
    with pytest.raises(ValidationFailed, match="nothing was deleted"):
        privacy.delete_account(user_id=grant.user_id, password="wrong password 1")
    with session_scope() as s:
        assert s.get(User, grant.user_id).is_active  # type: ignore[union-attr]
    privacy.delete_account(user_id=grant.user_id, password="correct horse 42")
    with session_scope() as s:
        user = s.get(User, grant.user_id)
        assert (
            user is not None
            and not user.is_active
            and user.email is None
            and user.password_hash is None
        )
        assert auth.resolve(s, grant.token) is None
        for model in (
            StudentProfile,
            Application,
            Essay,
            Match,
            AuthIdentity,
            Notification,
            UserSession,
        ):
            assert (
                s.exec(
                    select(func.count()).select_from(model).where(model.user_id == grant.user_id)
                ).one()
                == 0
            ), model  # type: ignore[attr-defined]
        # The ledger stays, attached to the anonymous row.
        assert (
            s.exec(
                select(func.count())
                .select_from(CreditEntry)
                .where(CreditEntry.user_id == grant.user_id)
            ).one()
            == 1
        )
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(email="gone@example.org", password="correct horse 42")
    with TestClient(create_api()) as client:
        client.cookies.set(SESSION_COOKIE, grant.token)
        assert client.get("/api/account/export").status_code == 401


def test_delete_removes_documents_from_storage(
    db: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scholarlink.models import Document
    from scholarlink.services import documents

    monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / "blobs"))
    reset_settings_cache()
    grant = _student("docs@example.org")
    doc = documents.upload(
        user_id=grant.user_id, filename="cv.pdf", data=b"%PDF-1.4\n%test\n", kind="other"
    )
    assert list((tmp_path / "blobs").rglob("*"))
    privacy.delete_account(user_id=grant.user_id, password="correct horse 42")
    assert not [p for p in (tmp_path / "blobs").rglob("*") if p.is_file()]
    with session_scope() as s:
        assert s.get(Document, doc.id) is None
    monkeypatch.delenv("STORAGE_LOCAL_DIR")
    reset_settings_cache()
