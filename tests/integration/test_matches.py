"""Stored matches for a student: eligibility first, curation remembered, model refinement once."""

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from scholarlink.ai.providers import reset_providers
from scholarlink.db import session_scope
from scholarlink.models import AIUsage, Match, Scholarship, User
from scholarlink.observability.breakers import breaker
from scholarlink.services import matches as svc
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from scholarlink.services.credits import MILLI, balance, post_entry
from scholarlink.services.eligibility import ProfileFacts, evaluate, is_eligible
from scholarlink.services.errors import NotFound
from scholarlink.services.profiles import parse_profile_input, update_profile
from scholarlink.settings import reset_settings_cache
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve

PROFILE = {
    "gpa": 3.7,
    "major": "Computer Science",
    "academicLevel": "high_school_senior",
    "state": "TX",
    "citizenship": "us_citizen",
    "interests": ["technology", "leadership"],
    "financialNeed": True,
}


@pytest.fixture
def catalogue(db: str, catalogue_path: Path) -> None:
    parsed = parse_catalogue(catalogue_path)
    with session_scope() as s:
        load_catalogue(s, parsed.entries, version=parsed.version)


def _student(profile: dict | None = None, email: str = "m@example.org", credits: int = 0) -> int:
    with session_scope() as s:
        u = User(email=email)
        s.add(u)
        s.flush()
        assert u.id
        if profile is not None:
            update_profile(s, user_id=u.id, changes=parse_profile_input(profile))
        if credits:
            post_entry(s, user_id=u.id, amount=credits * MILLI, kind="grant", reference=f"g:{u.id}")
        return u.id


def test_refresh_stores_only_eligible_matches(catalogue: None) -> None:
    uid = _student(PROFILE)
    count = svc.refresh_matches(user_id=uid)
    assert count > 10
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        facts = ProfileFacts.of(parse_profile_input(PROFILE))
        for m in stored:
            assert is_eligible(evaluate(m.scholarship, facts)), m.scholarship.slug
            assert all(e["status"] != "unmet" for e in m.match.eligibility)
            assert m.match.reasons
        scores = [m.match.score for m in stored]
        assert scores == sorted(scores, reverse=True)
        # Texas-only or graduate awards never show for a Texas high-school senior elsewhere.
        slugs = {m.scholarship.slug for m in stored}
        for sch in s.exec(select(Scholarship)).all():
            if sch.states and "TX" not in sch.states:
                assert sch.slug not in slugs


def test_bookmark_dismiss_undo_survive_refresh(catalogue: None) -> None:
    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        first, second = svc.list_matches(s, user_id=uid)[:2]
        svc.set_bookmark(s, user_id=uid, match_id=first.match.id, bookmarked=True)
        svc.dismiss(s, user_id=uid, match_id=second.match.id, reason="Deadline too soon")
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        listed = {m.scholarship.id for m in svc.list_matches(s, user_id=uid)}
        assert second.scholarship.id not in listed
        assert first.scholarship.id in listed
        assert [
            m.match.dismiss_reason for m in svc.list_matches(s, user_id=uid, include_dismissed=True)
        ] == ["Deadline too soon"]
        assert [
            m.scholarship.id for m in svc.list_matches(s, user_id=uid, bookmarked_only=True)
        ] == [first.scholarship.id]
        svc.undismiss(s, user_id=uid, match_id=second.match.id)
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        assert second.scholarship.id in {m.scholarship.id for m in svc.list_matches(s, user_id=uid)}


def test_another_student_cannot_touch_my_matches(catalogue: None) -> None:
    me, other = _student(PROFILE, "me@example.org"), _student(PROFILE, "other@example.org")
    svc.refresh_matches(user_id=me)
    with session_scope() as s:
        mine = svc.list_matches(s, user_id=me)[0].match.id
    for action in (
        lambda s: svc.set_bookmark(s, user_id=other, match_id=mine, bookmarked=True),
        lambda s: svc.dismiss(s, user_id=other, match_id=mine, reason="x"),
        lambda s: svc.undismiss(s, user_id=other, match_id=mine),
    ):
        with pytest.raises(NotFound), session_scope() as s:
            action(s)
    with session_scope() as s:
        row = s.get(Match, mine)
        assert row and not row.bookmarked and not row.dismissed


@pytest.fixture
def openai_fake(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeOpenAI]:
    fake = FakeOpenAI()
    with serve(fake.app()) as url:
        monkeypatch.setenv("OPENAI_API_KEY", "sk-test")
        monkeypatch.setenv("OPENAI_BASE_URL", url + "/v1")
        monkeypatch.setenv("OPENAI_TIMEOUT_SECONDS", "0.5")
        monkeypatch.setenv("OPENAI_MAX_RETRIES", "0")
        monkeypatch.setenv("MATCH_TOP_K", "5")
        reset_settings_cache()
        reset_providers()
        breaker("openai").reset()
        yield fake
    for var in ("OPENAI_API_KEY", "MATCH_TOP_K"):
        monkeypatch.delenv(var)
    reset_settings_cache()
    reset_providers()
    breaker("openai").reset()


def test_model_sees_only_the_short_list_in_one_request(
    catalogue: None, openai_fake: FakeOpenAI
) -> None:
    uid = _student(PROFILE, credits=100)
    svc.refresh_matches(user_id=uid, operation_id="refresh-1")
    assert len(openai_fake.requests) == 1
    sent = openai_fake.requests[0]["messages"][-1]["content"]
    assert sent.count('"scholarshipId"') == 5
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        refined = [m for m in stored if m.match.provider == "openai"]
        assert len(refined) == 5
        assert all(any(r.startswith("Model reason") for r in m.match.reasons) for m in refined)
        usage = s.exec(select(AIUsage)).one()
        assert usage.operation == "match" and usage.cost_millicredits == 1440
        assert balance(s, uid) == 100 * MILLI - 1440


@pytest.mark.parametrize("mode", ["slow", "500", "malformed"])
def test_local_ranking_stands_when_the_model_fails(
    catalogue: None, openai_fake: FakeOpenAI, mode: str
) -> None:
    openai_fake.mode = mode
    openai_fake.delay = 2
    uid = _student(PROFILE, credits=100)
    assert svc.refresh_matches(user_id=uid) > 0
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        assert stored and all(m.match.provider == "local" for m in stored)
        assert balance(s, uid) == 100 * MILLI


def test_without_credits_for_the_model_the_free_local_ranking_stands(
    catalogue: None, openai_fake: FakeOpenAI
) -> None:
    uid = _student(PROFILE)  # no credits
    assert svc.refresh_matches(user_id=uid) > 0
    assert openai_fake.requests == []  # refused before any model call
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        assert stored and all(m.match.provider == "local" for m in stored)
