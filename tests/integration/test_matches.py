"""Stored matches for a student: eligibility first, curation remembered, model refinement once."""

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from scholarlink.ai.providers import reset_providers
from scholarlink.core.breakers import breaker
from scholarlink.core.db import session_scope
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AIUsage, Match, Scholarship, User
from scholarlink.services import matches as svc
from scholarlink.services.catalogue import load_catalogue, parse_catalogue
from scholarlink.services.credits import MILLI, balance, post_entry
from scholarlink.services.profiles import parse_profile_input, update_profile
from tests.integration.conftest import confirm_everything
from tests.support.fake_openai import FakeOpenAI
from tests.support.servers import serve
from tests.support.sql import statements_sent

PROFILE = {
    "gpa": 3.7,
    "gpaWeighted": False,
    "major": "Computer Science",
    "academicLevel": "undergraduate",
    "graduationYear": 2029,
    "birthDate": "2006-04-01",
    "state": "TX",
    "schoolState": "TX",
    "citizenship": "us_citizen",
    "demographics": [],
    "interests": ["technology", "leadership"],
    "financialNeed": True,
    "pellEligible": True,
    "householdIncome": 42000,
    "testScores": {"sat": 1300, "act": 28},
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


def _confirm_everything(uid: int, rounds: int = 3) -> None:
    confirm_everything(uid, rounds)
    svc.refresh_matches(user_id=uid)


def test_an_empty_profile_has_no_matches_only_questions(catalogue: None) -> None:
    uid = _student({})
    assert svc.refresh_matches(user_id=uid) == 0
    with session_scope() as s:
        assert svc.list_matches(s, user_id=uid) == []
        possible = svc.list_matches(s, user_id=uid, bucket="possible")
        assert possible and all(m.match.questions for m in possible)


def test_refresh_stores_only_eligible_matches(catalogue: None) -> None:
    uid = _student(PROFILE)
    _confirm_everything(uid)
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        assert len(stored) > 10
        for m in stored:
            assert all(
                e["status"] in ("met", "confirmed")
                for e in m.match.eligibility
                if e.get("hard", True)
            ), m.scholarship.slug
            assert m.match.reasons and m.match.bucket == "match"
        scores = [m.match.score for m in stored]
        assert scores == sorted(scores, reverse=True)
        # Awards for residents of other states, or for other levels, never show.
        slugs = {m.scholarship.slug for m in stored}
        for sch in s.exec(select(Scholarship)).all():
            if sch.states and "TX" not in sch.states:
                assert sch.slug not in slugs
            if sch.levels and "undergraduate" not in sch.levels:
                assert sch.slug not in slugs
        everything = svc.list_matches(s, user_id=uid, bucket=None)
        assert {m.match.bucket for m in everything} <= {"match", "possible", "opens_later"}
        assert all(
            e["status"] != "unmet"
            for m in everything
            for e in m.match.eligibility
            if e.get("hard", True)
        )


def test_bookmark_dismiss_undo_survive_refresh(catalogue: None) -> None:
    uid = _student(PROFILE)
    _confirm_everything(uid)
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
    _confirm_everything(me)
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
    uid = _student(PROFILE)
    _confirm_everything(uid)
    with session_scope() as s:
        post_entry(s, user_id=uid, amount=100 * MILLI, kind="grant", reference="g:model")
    openai_fake.requests.clear()
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
    _confirm_everything(uid, rounds=1)
    assert svc.refresh_matches(user_id=uid) > 0
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        assert stored and all(m.match.provider == "local" for m in stored)
        assert balance(s, uid) == 100 * MILLI


def test_without_credits_for_the_model_the_free_local_ranking_stands(
    catalogue: None, openai_fake: FakeOpenAI
) -> None:
    uid = _student(PROFILE)  # no credits
    _confirm_everything(uid, rounds=1)
    openai_fake.requests.clear()
    assert svc.refresh_matches(user_id=uid) > 0
    assert openai_fake.requests == []  # refused before any model call
    with session_scope() as s:
        stored = svc.list_matches(s, user_id=uid)
        assert stored and all(m.match.provider == "local" for m in stored)


def test_an_answer_moves_a_possible_card_to_matches_and_no_makes_it_disappear(
    catalogue: None,
) -> None:
    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        card = next(
            m
            for m in svc.list_matches(s, user_id=uid, bucket="possible")
            if len(m.match.questions) == 1 and m.match.questions[0]["field"].startswith("answer:")
        )
        q = card.match.questions[0]
        svc.answer_question(
            s, user_id=uid, field_name=q["field"], question=q["question"], answer=True
        )
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        assert card.scholarship.id in {m.scholarship.id for m in svc.list_matches(s, user_id=uid)}
        svc.answer_question(
            s, user_id=uid, field_name=q["field"], question=q["question"], answer=False
        )
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        shown = {m.scholarship.id for m in svc.list_matches(s, user_id=uid, bucket=None)}
        assert card.scholarship.id not in shown


def test_a_forged_question_is_refused(catalogue: None) -> None:
    from scholarlink.core.errors import ValidationFailed

    uid = _student(PROFILE)
    with pytest.raises(ValidationFailed), session_scope() as s:
        svc.answer_question(
            s, user_id=uid, field_name="answer:" + "0" * 16, question="Am I rich?", answer=True
        )
    with pytest.raises(ValidationFailed), session_scope() as s:
        svc.answer_question(
            s, user_id=uid, field_name="gpa", question="What is your GPA?", answer=True
        )


def _contract_item(m: Match, s: Scholarship) -> dict:
    """The agent contract's item, written out field by field from the stored match (the shape
    agent/capabilities.py sent before the result became a typed model)."""
    item = {
        "scholarshipId": s.slug,
        "scholarship": {
            "title": s.name,
            "organization": s.provider,
            "amount": s.amount_max,
            "amountMin": s.amount_min,
            "deadline": m.deadline.isoformat() if m.deadline else None,
            "url": s.url,
            "kind": s.kind,
            "verifiedOn": s.verified_on.isoformat() if s.verified_on else None,
        },
        "score": m.score,
        "matchScore": m.score,
        "reasoning": m.reasons,
        "chanceLevel": m.chance,
        "eligibility": m.eligibility,
        "confidence": m.confidence,
        "provider": m.provider,
        "deadline": m.deadline.isoformat() if m.deadline else None,
        "cycle": {
            "opens": m.cycle.get("opens"),
            "deadline": m.cycle.get("deadline"),
            "forGraduationYear": m.cycle.get("forGraduationYear"),
            "kind": m.cycle.get("kind"),
        },
    }
    if m.bucket == "possible":
        item["questions"] = m.questions
    if m.bucket == "opens_later":
        item["opens"] = m.cycle.get("opens")
        item["questions"] = m.questions
    return item


def test_match_result_of_a_stored_student_is_the_contracts_json(catalogue: None) -> None:
    uid = _student(PROFILE)
    svc.answer_question(
        user_id=uid,
        field_name="answer:" + svc.question_key("Do you plan to file the FAFSA?"),
        question="Do you plan to file the FAFSA?",
        answer=True,
    )
    result = svc.match_result(user_id=uid, operation_id="task:t-1", limit=4).wire()
    assert result["executionTimeMs"] >= 0
    expected: dict = {"matches": [], "possible": [], "opensLater": []}
    with session_scope() as s:
        for bucket, name in (
            ("match", "matches"),
            ("possible", "possible"),
            ("opens_later", "opensLater"),
        ):
            for m in svc.list_matches(s, user_id=uid, bucket=bucket)[:4]:
                expected[name].append(_contract_item(m.match, m.scholarship))
    assert expected["possible"], "the profile leaves questions open somewhere"
    assert {k: v for k, v in result.items() if k != "executionTimeMs"} == {
        **expected,
        "count": len(expected["matches"]),
    }
    # Key order follows the contract's listing too (JSON readers that print it see the same).
    for name in ("matches", "possible", "opensLater"):
        for got, want in zip(result[name], expected[name], strict=True):
            assert list(got) == list(want)
            for verdict, stored in zip(got["eligibility"], want["eligibility"], strict=True):
                assert list(verdict) == list(stored)


def test_match_result_of_profile_data_stores_nothing(catalogue: None) -> None:
    billed = _student(None, "agent@example.org")
    result = svc.match_result(
        user_id=billed, operation_id="task:t-2", limit=3, profile=parse_profile_input(PROFILE)
    )
    assert result.count == len(result.matches) and len(result.possible) == 3
    assert all(item.questions for item in result.possible)
    with session_scope() as s:
        assert s.exec(select(Match)).all() == []
    with pytest.raises(ValidationFailed):
        svc.match_result(user_id=billed, operation_id="task:t-3", limit=0)


def test_overview_pages_each_view_in_the_order_of_the_whole_list(catalogue: None) -> None:
    # The page reads one page of cards and the counts; what it shows must be the head of the
    # whole list, ordered as the student asked (no-essay awards first keeps the score order
    # within each half).
    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        everything = svc.list_matches(s, user_id=uid, bucket=None)
        later = svc.list_matches(s, user_id=uid, bucket="opens_later")
    assert everything
    for view in ("match", "possible", "opens_later"):
        whole = (
            later if view == "opens_later" else [m for m in everything if m.match.bucket == view]
        )
        for no_essay in (False, True):
            expected = (
                sorted(whole, key=lambda m: bool(m.scholarship.essay_required))
                if no_essay
                else whole
            )
            for shown in (1, 3, 500):
                got = svc.overview(user_id=uid, view=view, shown=shown, no_essay_first=no_essay)
                assert [c.id for c in got.items] == [m.match.id for m in expected[:shown]]
                assert got.more == max(0, len(whole) - shown)


def test_the_matches_page_reads_a_fixed_number_of_statements(catalogue: None) -> None:
    # What the page shows of a programme is read with the card (no lazy load per card).
    import sqlalchemy as sa

    from scholarlink.core.db import get_engine

    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    seen = []
    for shown in (1, 40):
        statements.clear()
        sa.event.listen(get_engine(), "before_cursor_execute", count)
        try:
            o = svc.overview(user_id=uid, view="possible", shown=shown)
        finally:
            sa.event.remove(get_engine(), "before_cursor_execute", count)
        assert len(o.items) == min(shown, o.counts["possible"]) and o.items[0].name
        seen.append(len(statements))
    # The counts with the questions, the cards, the dismissed list, the profile.
    assert seen[0] == seen[1] == 4, seen


def test_overview_is_what_the_matches_page_shows(catalogue: None) -> None:
    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    first = svc.overview(user_id=uid, view="possible", shown=2)
    with session_scope() as s:
        possible = svc.list_matches(s, user_id=uid, bucket="possible")
        everything = svc.list_matches(s, user_id=uid, bucket=None)
    assert [c.id for c in first.items] == [m.match.id for m in possible[:2]]
    assert first.more == len(possible) - 2
    assert first.counts == {
        b: sum(1 for m in everything if m.match.bucket == b)
        for b in ("match", "possible", "opens_later")
    }
    top = first.top_questions[0]
    assert top.money >= max(q.money for q in first.top_questions[1:]) and top.count >= 1
    assert first.dismissed == [] and first.completion > 0 and not first.refresh_costs_credits
    card = first.items[0]
    assert svc.set_bookmark(user_id=uid, match_id=card.id, bookmarked=True) is True
    svc.dismiss(user_id=uid, match_id=card.id, reason="Not interested")
    after = svc.overview(user_id=uid, view="saved")
    assert [c.id for c in after.dismissed] == [card.id]
    assert after.dismissed[0].dismiss_reason == "Not interested"
    assert [c.id for c in after.items] == [card.id] and after.items[0].bookmarked
    with pytest.raises(ValidationFailed):
        svc.overview(user_id=uid, view="everything")  # type: ignore[arg-type]
    with pytest.raises(NotFound):
        svc.set_bookmark(user_id=uid + 1000, match_id=card.id, bookmarked=False)


def _applied(
    before: svc.MatchesOverviewPublic, change: svc.MatchChangePublic
) -> tuple[list[svc.MatchCardPublic], int, dict[str, int], list[svc.TopQuestionPublic]]:
    """What the matches page shows after applying `change` in place, as the page does."""
    held = {c.id: c for c in before.items} | {c.id: c for c in change.fill}
    top = before.top_questions if change.top_questions is None else change.top_questions
    return [held[i] for i in change.order], change.more, change.counts, top


@pytest.mark.parametrize("view", ["match", "possible", "opens_later", "saved"])
def test_a_dismissal_applied_in_place_is_what_a_reload_shows(catalogue: None, view: str) -> None:
    """Dismiss and undo send only what changed (the cards coming into view, the counts, the
    questions when the match asked any); applied to the page they give exactly the page a full
    reload gives — the first cards, the last shown, one of another group, in every view."""
    uid = _student(PROFILE)
    confirm_everything(uid, rounds=1)  # answered: some cards sure, some still possible
    svc.refresh_matches(user_id=uid)
    shown = 3
    with session_scope() as s:
        everything = svc.list_matches(s, user_id=uid, bucket=None)
        for m in everything[::2]:  # the saved view has cards too
            svc.set_bookmark(s, user_id=uid, match_id=m.match.id or 0, bookmarked=True)
    page = svc.overview(user_id=uid, view=view, shown=shown)  # type: ignore[arg-type]
    assert page.items, "the view has cards to dismiss"
    others = [  # one of another group (or not shown), asking a question
        m.match.id
        for m in everything
        if m.match.id not in {c.id for c in page.items}
        and m.match.bucket != view
        and m.match.questions
    ]
    picks = [page.items[0].id, page.items[-1].id, others[0]]
    assert len(set(picks)) == 3
    asked = 0
    for match_id in picks:
        for undo in (False, True):
            showing = svc.Showing(
                view=view,  # type: ignore[arg-type]
                shown=shown,
                holding=tuple(c.id for c in page.items),
            )
            with statements_sent() as sent:
                if undo:
                    change = svc.undismiss(user_id=uid, match_id=match_id or 0, showing=showing)
                else:
                    change = svc.dismiss(
                        user_id=uid,
                        match_id=match_id or 0,
                        reason="Not interested",
                        showing=showing,
                    )
            # The write (with the dismissed line), the view's ids with the counts (and the
            # questions), and the cards coming into view when there are any.
            work = [q for q in sent if not re.match(r"\s*(BEGIN|COMMIT)", q, re.I)]
            assert len(work) == 2 + bool(change.fill), work
            if undo:
                assert change.dismissed is None
            else:
                assert change.dismissed is not None and change.dismissed.id == match_id
                assert change.dismissed.dismiss_reason == "Not interested"
            held = {c.id for c in page.items} - {match_id}
            assert all(c.id not in held for c in change.fill), "a held card was sent again"
            asked += change.top_questions is not None
            items, more, counts, top = _applied(page, change)
            page = svc.overview(user_id=uid, view=view, shown=shown)  # type: ignore[arg-type]
            assert [c.id for c in items] == [c.id for c in page.items]
            assert items == list(page.items)
            assert (more, counts, top) == (page.more, page.counts, page.top_questions)
            assert page.dismissed == ([] if undo else [change.dismissed])
    assert asked, "no pick asked a question: the questions were never replaced"


def test_switching_views_reads_what_the_page_would_show(catalogue: None) -> None:
    """Switching views, asking for more or for no-essay awards first reads only the cards and
    the counts: the same cards, more and counts the whole page gives, in every view; someone
    else's cards are never among them, and a view that does not exist is refused."""
    uid, other = _student(PROFILE), _student(PROFILE, email="w@example.org")
    confirm_everything(uid, rounds=1)
    svc.refresh_matches(user_id=uid)
    svc.refresh_matches(user_id=other)
    with session_scope() as s:
        for m in svc.list_matches(s, user_id=uid, bucket=None)[::3]:
            svc.set_bookmark(s, user_id=uid, match_id=m.match.id or 0, bookmarked=True)
        theirs = {m.match.id for m in svc.list_matches(s, user_id=other, bucket=None)}
    for view in svc.VIEWS:
        for shown, no_essay_first in ((2, False), (2, True), (48, False)):
            asked = {"view": view, "shown": shown, "no_essay_first": no_essay_first}
            page = svc.overview(user_id=uid, **asked)  # type: ignore[arg-type]
            cards = svc.view_cards(user_id=uid, **asked)  # type: ignore[arg-type]
            assert (cards.items, cards.more, cards.counts) == (page.items, page.more, page.counts)
            assert not {c.id for c in cards.items} & theirs
    assert any(svc.view_cards(user_id=uid, view=v).items for v in svc.VIEWS)
    with pytest.raises(ValidationFailed):
        svc.view_cards(user_id=uid, view="all")  # type: ignore[arg-type]


def test_a_dismissal_of_someone_elses_match_changes_nothing(catalogue: None) -> None:
    uid, other = _student(PROFILE), _student(PROFILE, email="o@example.org")
    svc.refresh_matches(user_id=uid)
    mine = svc.overview(user_id=uid, view="possible").items[0].id
    with pytest.raises(NotFound):
        svc.dismiss(user_id=other, match_id=mine, reason="x", showing=svc.Showing())
    with pytest.raises(NotFound):
        svc.undismiss(user_id=other, match_id=mine, showing=svc.Showing())
    with pytest.raises(ValidationFailed):
        svc.dismiss(
            user_id=uid,
            match_id=mine,
            reason="x",
            showing=svc.Showing(view="all"),  # type: ignore[arg-type]
        )
    after = svc.overview(user_id=uid, view="possible")
    assert after.items[0].id == mine and not after.dismissed


def test_eligibility_for_one_programme(catalogue: None) -> None:
    from scholarlink.services.eligibility import eligibility_for

    uid = _student(PROFILE)
    svc.refresh_matches(user_id=uid)
    with session_scope() as s:
        possible = svc.list_matches(s, user_id=uid, bucket="possible")[0]
        open_hard = [
            v
            for v in possible.match.eligibility
            if v["status"] == "unknown" and v.get("hard", True)
        ]
        cal_grant = s.exec(select(Scholarship).where(Scholarship.slug == "cal-grant")).one()
    standing = eligibility_for(user_id=uid, scholarship_id=possible.scholarship.id or 0)
    assert standing.standing == "possible" and standing.open_questions == len(open_hard)
    assert standing.cycle is not None and standing.criteria
    # California's state grant is not for a Texan.
    elsewhere = eligibility_for(user_id=uid, scholarship_id=cal_grant.id or 0)
    assert elsewhere.standing == "not_for_you" and elsewhere.cycle is None
    assert any(v.status == "unmet" for v in elsewhere.criteria)


def test_a_scholarship_page_reads_the_programme_once(catalogue: None) -> None:
    from datetime import date

    from scholarlink.services.catalogue import scholarship_detail
    from scholarlink.services.eligibility import eligibility_for, scholarship_page

    uid = _student(PROFILE)
    with session_scope() as s:
        sid = s.exec(select(Scholarship.id).where(Scholarship.slug == "cal-grant")).one()
    day = date(2026, 12, 3)
    with statements_sent() as sent:
        page = scholarship_page(scholarship_id=sid, viewer_id=uid, today=day)
    # The same as its two reads on their own, with the programme's row read once.
    assert page.detail == scholarship_detail(scholarship_id=sid, viewer_id=uid, today=day)
    assert page.standing == eligibility_for(user_id=uid, scholarship_id=sid)
    read = [re.findall(r"\bFROM\s+(\w+)", q) for q in sent]
    assert [tables[0] for tables in read].count("scholarships") == 1, read
    anonymous = scholarship_page(scholarship_id=sid, viewer_id=None, today=day)
    assert anonymous.standing is None and anonymous.detail == page.detail
    for missing in (0, sid + 10_000, 2**40):
        with pytest.raises(NotFound):
            scholarship_page(scholarship_id=missing, viewer_id=uid, today=day)


def test_a_cards_verdict_table_is_read_on_opening_and_only_by_its_student(
    catalogue: None,
) -> None:
    uid, other = _student(PROFILE), _student(PROFILE, email="v@example.org")
    svc.refresh_matches(user_id=uid)
    card = svc.overview(user_id=uid, view="possible").items[0]
    table = svc.match_verdicts(user_id=uid, match_id=card.id)
    # The card counts what its table holds; a possible card asks.
    assert card.met == sum(1 for v in table if v.status in ("met", "confirmed"))
    assert card.to_answer == sum(1 for v in table if v.status == "unknown" and v.hard) > 0
    assert card.open_preferences == sum(1 for v in table if v.status == "unknown" and not v.hard)
    with pytest.raises(NotFound):
        svc.match_verdicts(user_id=other, match_id=card.id)
