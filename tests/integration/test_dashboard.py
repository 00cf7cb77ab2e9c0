"""The dashboard's figures are what is stored (both databases): matches, bookmarks,
applications by status and the money won, score bands, the student's own deadlines."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.models import Application, Match, User
from scholarlink.services import applications, dashboard
from scholarlink.services import matches as svc
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from scholarlink.services.profiles import parse_profile_input, update_profile
from tests.integration.conftest import confirm_everything
from tests.integration.test_matches import PROFILE
from tests.support.sql import statements_sent


def _catalogue_and_student(catalogue_path: Path, email: str) -> int:
    """The catalogue loaded and a student with the matches suite's profile; their id."""
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
        u = User(email=email)
        s.add(u)
        s.flush()
        assert u.id
        update_profile(s, user_id=u.id, changes=parse_profile_input(PROFILE))
        return u.id


@pytest.fixture
def student(db: str, catalogue_path: Path) -> int:
    uid = _catalogue_and_student(catalogue_path, "dash@example.org")
    confirm_everything(uid, 3)
    svc.refresh_matches(user_id=uid)
    return uid


def test_an_empty_dashboard_says_what_to_do_first(db: str) -> None:
    with session_scope() as s:
        u = User(email="new@example.org")
        s.add(u)
        s.flush()
        uid = u.id or 0
    d = dashboard.build(user_id=uid, today=date.today())
    assert (d.matches, d.bookmarked, d.applications, d.amount_won) == (0, 0, 0, 0)
    assert d.upcoming == [] and d.calendar_token
    assert {a.kind for a in d.next_actions} >= {"profile", "matches"}


def test_the_figures_are_what_is_stored(student: int) -> None:
    uid = student
    today = date.today()
    with session_scope() as s:
        current = svc.list_matches(s, user_id=uid, bucket=None)
    assert len(current) >= 4
    for m in current[:3]:
        svc.set_bookmark(user_id=uid, match_id=m.match.id or 0, bookmarked=True)
    svc.dismiss(user_id=uid, match_id=current[0].match.id or 0, reason="Not interested")
    started = [
        applications.create_application(user_id=uid, scholarship=m.scholarship.id or 0)[0].id
        for m in current[1:4]
    ]
    with session_scope() as s:
        won = s.get(Application, started[0])
        assert won is not None
        won.status, won.amount_won = "accepted", 2500
        s.add(won)
        sent = s.get(Application, started[1])
        assert sent is not None
        sent.status = "submitted"
        s.add(sent)

    d = dashboard.build(user_id=uid, today=today)

    with session_scope() as s:
        rows = s.exec(select(Match).where(Match.user_id == uid)).all()
    shown = [r for r in rows if r.is_current and not r.dismissed]
    assert len(shown) == len(current) - 1
    # "Matches" are the sure ones, as on the matches page; the possible ones are counted apart.
    overview = svc.overview(user_id=uid)
    assert d.matches == sum(1 for r in shown if r.bucket == "match") == overview.counts["match"]
    assert d.possible == sum(1 for r in shown if r.bucket == "possible")
    assert d.possible == overview.counts["possible"]
    assert d.matches > 0
    assert d.bookmarked == 3  # the dismissed one keeps its bookmark
    assert (d.applications, d.submitted, d.won, d.amount_won) == (3, 2, 1, 2500)
    assert {b.status: b.count for b in d.by_status if b.count} == {
        "Draft": 1,
        "Submitted": 1,
        "Accepted": 1,
    }
    assert sum(b.matches for b in d.score_bands) == len(shown)
    # Deadlines: the tracked draft and the bookmarks, each once, soonest first, none passed.
    assert [u.days for u in d.upcoming] == sorted(u.days for u in d.upcoming)
    assert len({u.id for u in d.upcoming}) == len(d.upcoming)
    assert all(u.due >= today and u.due <= today + timedelta(days=800) for u in d.upcoming)
    assert "first_application" not in {a.kind for a in d.next_actions}

    # With tracked and bookmarked programmes (their deadlines follow the student's own cycle),
    # the profile is read once for the whole page, and the page is eight statements: the
    # matches, the applications, the profile, the answers and the programmes' versions (for
    # their deadlines), the balance with the calendar token, the unread reminders.
    with statements_sent() as sent:
        again = dashboard.build(user_id=uid, today=today)
    assert again == d
    assert sum("FROM student_profiles" in q for q in sent) == 1, sent
    assert len(sent) == 7, sent


def test_a_student_without_a_profile_is_read_once_too(db: str, catalogue_path: Path) -> None:
    """No profile is an answer: the deadlines of their bookmarks do not read it again."""
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)
        u = User(email="noprofile@example.org")
        s.add(u)
        s.flush()
        uid = u.id or 0
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        first = svc.list_matches(s, user_id=uid, bucket=None)[0]
    svc.set_bookmark(user_id=uid, match_id=first.match.id or 0, bookmarked=True)
    dashboard.build(user_id=uid, today=date.today())  # the calendar token is made on the first

    with statements_sent() as sent:
        d = dashboard.build(user_id=uid, today=date.today())
    assert d.bookmarked == 1 and d.calendar_token
    assert sum("FROM student_profiles" in q for q in sent) == 1, sent


def test_with_only_possible_matches_the_next_step_is_to_answer_their_questions(
    db: str, catalogue_path: Path
) -> None:
    uid = _catalogue_and_student(catalogue_path, "possible@example.org")
    svc.refresh_matches(user_id=uid)  # nothing answered: every card waits on a question
    d = dashboard.build(user_id=uid, today=date.today())
    assert d.matches == 0 and d.possible == svc.overview(user_id=uid).counts["possible"] > 0
    (step,) = [a for a in d.next_actions if a.kind == "matches"]
    assert step.label == f"Answer a few questions: {d.possible} possible matches wait on them"
