"""Alerts and reminders through the mail outbox, against a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import time
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import col, select

from scholarlink.api import create_api
from scholarlink.core.db import session_scope
from scholarlink.domain.rules import CatalogueEntry
from scholarlink.models import (
    MailSuppression,
    Match,
    Notification,
    OutboundMail,
    Scholarship,
)
from scholarlink.services import applications, mail, matches, notify
from scholarlink.services.catalogue import load_catalogue
from scholarlink.services.profiles import parse_profile_input, update_profile
from tests.support import accounts
from tests.support.mailserver import Inbox

NOW = datetime.now(UTC)


def _entry(
    slug: str, *, levels: tuple[str, ...] = ("undergraduate",), days: int = 60
) -> CatalogueEntry:
    return CatalogueEntry.model_validate(
        {
            "slug": slug,
            "name": f"Award {slug}",
            "provider": "Alerts Foundation",
            "kind": "private",
            "status": "active",
            "url": f"https://example.org/{slug}",
            "verified_on": "2026-11-01",
            "sources": [{"url": f"https://example.org/{slug}"}],
            "amount": {"min": 2000, "max": 2000, "period": "one_time"},
            "cycles": [
                {
                    "read_for": "2026-27",
                    "deadline": (date.today() + timedelta(days=days)).isoformat(),
                    "kind": "fixed",
                }
            ],
            "rules": [{"type": "level", "levels": list(levels)}],
            "description": "A test award with one fixed deadline.",
        }
    )


def _load(*entries: CatalogueEntry, version: str) -> None:
    with session_scope() as s:
        load_catalogue(s, list(entries), version=version)


def _student(email: str, **prefs: Any) -> int:
    grant = accounts.student(email, display_name=email.split("@")[0].title())
    with session_scope() as s:
        update_profile(
            s,
            user_id=grant.user_id,
            changes=parse_profile_input(
                {"academicLevel": "undergraduate", "graduationYear": date.today().year + 2}
            ),
        )
        if prefs:
            current = notify.get_preferences(s, user_id=grant.user_id)
            notify.set_preferences(s, user_id=grant.user_id, **{**current, **prefs})
    return grant.user_id


def _notes(user_id: int, kind: str) -> list[Notification]:
    with session_scope() as s:
        return list(
            s.exec(
                select(Notification).where(
                    Notification.user_id == user_id, Notification.kind == kind
                )
            )
        )


def _ids(messages: list[EmailMessage]) -> list[str]:
    return [str(m["Message-ID"]) for m in messages]


def test_a_catalogue_import_alerts_each_new_match_once(db: str, inbox: Inbox) -> None:
    _load(_entry("a1"), version="v1")
    ada = _student("ada@example.org", new_matches="immediate")
    report = notify.run_pass()
    assert report.rematched == 1 and report.new_matches == 0  # the baseline is not news
    inbox.clear()  # the sign-up confirmation

    # An import adds two programmes Ada qualifies for and one for graduate students.
    _load(
        _entry("a1"), _entry("b2"), _entry("c3"), _entry("g4", levels=("graduate",)), version="v2"
    )
    report = notify.run_pass()
    assert report.new_matches == 2 and report.mail["sent"] == 1
    titles = sorted(n.title for n in _notes(ada, "new_match"))
    assert titles == ["New match: Award b2", "New match: Award c3"]
    [message] = inbox.to("ada@example.org")
    assert message["Subject"] == "2 new scholarships you qualify for"
    body = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert body is not None and html is not None
    assert "Award b2" in body.get_content() and "Award c3" in body.get_content()
    assert "<a href=" in html.get_content()
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["List-Unsubscribe"].startswith("<http")

    # A second pass, and the student's own refresh, announce nothing again.
    again = notify.run_pass()
    assert again.new_matches == 0 and again.mails_queued == 0
    matches.refresh_matches(user_id=ada)
    assert notify.run_pass().mails_queued == 0
    assert len(inbox.to("ada@example.org")) == 1 and len(_notes(ada, "new_match")) == 2


def test_weekly_digest_collects_a_weeks_matches(db: str, inbox: Inbox) -> None:
    _load(_entry("a1"), version="v1")
    bo = _student("bo@example.org")  # weekly is the default
    notify.run_pass()
    inbox.clear()
    _load(_entry("a1"), _entry("b2"), version="v2")
    assert notify.run_pass(now=NOW).mail["sent"] == 1
    [first] = inbox.to("bo@example.org")
    assert first["Subject"] == "Your week on ScholarLink: 1 new match"
    _load(_entry("a1"), _entry("b2"), _entry("c3"), version="v3")
    # A day later the new match is in the app at once, but the mail waits for the week.
    assert notify.run_pass(now=NOW + timedelta(days=1)).mails_queued == 0
    assert len(_notes(bo, "new_match")) == 2
    assert notify.run_pass(now=NOW + timedelta(days=7, minutes=1)).mail["sent"] == 1
    second = inbox.to("bo@example.org")[-1]
    assert "Award c3" in str(second.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert "Award b2" not in str(second.get_body(("plain",)).get_content())  # type: ignore[union-attr]


def _queue(n: int) -> list[int]:
    with session_scope() as s:
        rows = [
            mail.enqueue(
                s,
                key=f"test:{i}",
                to=f"student{i}@example.org",
                kind="deadline",
                context={
                    "name": f"S{i}",
                    "title": f"Award {i} is due in 7 days",
                    "body": "…",
                    "link": "http://127.0.0.1:3000/x",
                    "preferences_url": "http://x/n",
                },
            )
            for i in range(n)
        ]
        return [r.id for r in rows if r is not None and r.id is not None]


def test_an_smtp_failure_mid_batch_neither_loses_nor_repeats_a_mail(db: str, inbox: Inbox) -> None:
    ids = _queue(3)
    # Queueing the same keys again changes nothing.
    assert _queue(3) == []

    calls = {"n": 0}
    original = inbox.handle_DATA

    async def second_fails(server: Any, session: Any, envelope: Any) -> str:
        calls["n"] += 1
        if calls["n"] == 2:
            return "451 4.3.0 Try again later"
        return await original(server, session, envelope)

    inbox.handle_DATA = second_fails  # type: ignore[method-assign]
    first = mail.deliver_due()
    assert first == {"sent": 2, "retried": 1, "suppressed": 0}
    assert sorted(m["To"] for m in inbox.messages) == [
        "student0@example.org",
        "student2@example.org",
    ]
    with session_scope() as s:
        failed = s.get(OutboundMail, ids[1])
        assert failed is not None and failed.status == "pending" and failed.attempts == 1
        assert failed.last_error == "SMTPDataError"
    time.sleep(0.05)  # past the (test-sized) backoff
    assert mail.deliver_due()["sent"] == 1
    assert mail.deliver_due()["sent"] == 0
    assert sorted(m["To"] for m in inbox.messages) == [f"student{i}@example.org" for i in range(3)]
    assert len(set(_ids(inbox.messages))) == 3


def test_retries_give_up_for_the_operator_and_a_bounce_suppresses(
    db: str, inbox: Inbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MAIL_MAX_ATTEMPTS", "2")
    from scholarlink.core.settings import reset_settings_cache

    reset_settings_cache()
    [mid] = _queue(1)
    inbox.fail_next = 5
    mail.deliver_due()
    time.sleep(0.05)
    mail.deliver_due()
    with session_scope() as s:
        assert [m.id for m in mail.failed_mails(s)] == [mid]
        mail.retry_failed(s, mail_id=mid)
    inbox.fail_next = 0
    assert mail.deliver_due()["sent"] == 1

    inbox.bounce.add("gone@example.org")
    with session_scope() as s:
        row = mail.enqueue(
            s,
            key="bounce:1",
            to="gone@example.org",
            kind="account_exists",
            context={"name": "G", "sign_in_url": "http://x/sign-in"},
        )
        assert row is not None
    assert mail.deliver_due()["suppressed"] == 1
    with session_scope() as s:
        assert s.get(MailSuppression, "gone@example.org") is not None
        later = mail.enqueue(
            s,
            key="bounce:2",
            to="gone@example.org",
            kind="account_exists",
            context={"name": "G", "sign_in_url": "http://x/sign-in"},
        )
        assert later is not None and later.status == "suppressed"
    assert mail.deliver_due() == {"sent": 0, "retried": 0, "suppressed": 0}
    assert inbox.to("gone@example.org") == []


def _at(due: date, left: int) -> datetime:
    """Noon UTC on the day `left` days before `due`."""
    return datetime.combine(due - timedelta(days=left), datetime.min.time(), UTC) + timedelta(
        hours=12
    )


def _tracked(email: str, days: int, **prefs: Any) -> tuple[int, int]:
    _load(_entry(f"due{days}", days=days), version=f"d{days}")
    user_id = _student(email, **prefs)
    with session_scope() as s:
        sid = s.exec(select(Scholarship.id).where(Scholarship.slug == f"due{days}")).one()
        applications.create_application(s, user_id=user_id, scholarship=sid)
    return user_id, int(sid or 0)


def test_after_downtime_only_the_latest_threshold_goes_out_once(db: str, inbox: Inbox) -> None:
    due = date.today() + timedelta(days=30)
    uid, _ = _tracked("cy@example.org", 30)
    inbox.clear()
    assert notify.run_pass(now=_at(due, 25)).reminders == 0
    assert notify.run_pass(now=_at(due, 21)).reminders == 1
    # Down from 8 days left to 6: the 7-day reminder goes out once, late.
    assert notify.run_pass(now=_at(due, 8)).reminders == 0
    assert notify.run_pass(now=_at(due, 6)).reminders == 1
    assert notify.run_pass(now=_at(due, 6)).reminders == 0
    # Down across the last day: the deadline is today — one reminder, not two.
    assert notify.run_pass(now=_at(due, 0)).reminders == 1
    assert notify.run_pass(now=_at(due, -1)).reminders == 0  # never for a passed deadline
    titles = [n.title for n in _notes(uid, "deadline")]
    assert titles == [
        "Award due30 is due in 21 days",
        "Award due30 is due in 6 days",
        "Award due30 is due today",
    ]
    assert [m["Subject"] for m in inbox.to("cy@example.org")] == titles


def test_the_students_time_zone_decides_today(db: str, inbox: Inbox) -> None:
    due = date.today() + timedelta(days=10)
    uid, _ = _tracked("di@example.org", 10, timezone="Pacific/Auckland")
    # 12:00 UTC is already the next day in Auckland: one day left there, two in UTC.
    noon = datetime.combine(due - timedelta(days=2), datetime.min.time(), UTC) + timedelta(hours=12)
    assert notify.run_pass(now=noon).reminders == 1
    assert [n.title for n in _notes(uid, "deadline")] == ["Award due10 is due tomorrow"]


def test_one_click_unsubscribe_stops_that_kind_of_mail(db: str, inbox: Inbox) -> None:
    due = date.today() + timedelta(days=30)
    uid, _ = _tracked("el@example.org", 30)
    inbox.clear()
    notify.run_pass(now=_at(due, 21))
    [message] = inbox.to("el@example.org")
    link = urlparse(message["List-Unsubscribe"].strip("<>"))
    with TestClient(create_api()) as client:
        target = f"{link.path}?{link.query}"
        # Following the link (or a scanner fetching it) changes nothing …
        page = client.get(target)
        assert page.status_code == 200 and "Unsubscribe" in page.text
        with session_scope() as s:
            assert notify.get_preferences(s, user_id=uid)["deadline_mail"] is True
        # … a forged link is refused …
        forged = client.post(target.replace("t=", "t=00"), data={"List-Unsubscribe": "One-Click"})
        assert forged.status_code == 422 or forged.status_code == 400
        assert "error" in forged.json()
        # … and the mail client's one-click POST switches deadline mail off.
        done = client.post(target, data={"List-Unsubscribe": "One-Click"})
        assert done.status_code == 200 and done.json()["unsubscribed"] == "deadline_mail"
    with session_scope() as s:
        assert notify.get_preferences(s, user_id=uid)["deadline_mail"] is False
    notify.run_pass(now=_at(due, 6))
    assert len(_notes(uid, "deadline")) == 2  # still in the app
    assert len(inbox.to("el@example.org")) == 1  # but no more mail


def test_watchlist_announces_an_opened_cycle_once(db: str, inbox: Inbox) -> None:
    grant = accounts.student("fa@example.org", display_name="Fa")
    _load(_entry("w1"), version="w")
    with session_scope() as s:
        sid = s.exec(select(Scholarship.id).where(Scholarship.slug == "w1")).one()
        opens = date.today() - timedelta(days=1)
        s.add(
            Match(
                user_id=grant.user_id,
                scholarship_id=sid or 0,
                score=40,
                chance="competitive",
                bucket="opens_later",
                cycle={
                    "state": "opens_later",
                    "opens": opens.isoformat(),
                    "deadline": (date.today() + timedelta(days=60)).isoformat(),
                },
            )
        )
    inbox.clear()
    report = notify.run_pass()
    assert report.watch_opened == 1
    assert notify.run_pass().watch_opened == 0
    [note] = _notes(grant.user_id, "watch_open")
    assert note.title == "Award w1 is open for applications"
    assert [m["Subject"] for m in inbox.to("fa@example.org")] == [note.title]
    with session_scope() as s:
        assert notify.unread_count(s, user_id=grant.user_id) == 1
        notify.mark_all_read(s, user_id=grant.user_id)
    with session_scope() as s:
        assert notify.unread_count(s, user_id=grant.user_id) == 0
        unread = s.exec(select(Notification).where(col(Notification.read_at).is_(None))).all()
        assert unread == []


def test_preferences_are_validated(db: str) -> None:
    uid = accounts.student("ga@example.org").user_id
    from scholarlink.core.errors import ValidationFailed

    with session_scope() as s, pytest.raises(ValidationFailed) as bad:
        notify.set_preferences(
            s,
            user_id=uid,
            new_matches="hourly",
            deadline_mail=True,
            watchlist_mail=True,
            timezone="Mars/Olympus",
        )
    assert {d["field"] for d in bad.value.details} == {"new_matches", "timezone"}
