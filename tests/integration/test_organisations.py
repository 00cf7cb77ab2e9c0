"""Organisations: counsellors, students who join with a code, local scholarships by import (dry
run first), shown only to the organisation's students or its area (both databases)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.models import AccessLog, Match, Scholarship
from scholarlink.services import matches, organisations
from scholarlink.services.catalogue import get_scholarship
from scholarlink.services.profiles import parse_profile_input, update_profile
from tests.support import accounts

TODAY = date.today()
DUE = (TODAY + timedelta(days=60)).isoformat()
CSV = f"""slug,name,url,amount,deadline,levels,min_gpa,states,description
hs-senior-award,Lincoln High Senior Award,https://lincolnhigh.example.org/award,1000,{DUE},high_school_senior,3.0,,For Lincoln High seniors with a 3.0 GPA or better.
rotary-award,Rotary Club Service Award,https://rotary.example.org/service,500,,high_school_senior,,TX,For seniors living in Texas who volunteer in the community.
bad-level,Broken Award,https://example.org/x,100,,sophomore,,,This line names a level that does not exist at all.
fee-award,Guaranteed Money Award,http://guaranteed.example.com,100,,,,,"Guaranteed winner, just pay the processing fee to claim your award."
"""


def _student(email: str, state: str = "TX") -> int:
    uid = accounts.student(email, display_name=email.split("@")[0].title()).user_id
    with session_scope() as s:
        update_profile(
            s,
            user_id=uid,
            changes=parse_profile_input(
                {
                    "academicLevel": "high_school_senior",
                    "graduationYear": TODAY.year + (1 if TODAY.month >= 8 else 0),
                    "gpa": 3.5,
                    "state": state,
                    "citizenship": "us_citizen",
                }
            ),
        )
    return uid


def _org(counsellor: int, state: str | None = "TX") -> tuple[int, str]:
    with session_scope() as s:
        return organisations.create(
            s, user_id=counsellor, name="Lincoln High School", kind="school", area_state=state
        )


def _import(counsellor: int, org_id: int, apply: bool, text: str = CSV, audience: str = "members"):
    with session_scope() as s:
        return organisations.import_local(
            s,
            counsellor_id=counsellor,
            org_id=org_id,
            text=text,
            fmt="csv",
            audience=audience,
            apply=apply,
            today=TODAY,
        )


def _matched(uid: int) -> set[str]:
    matches.refresh_matches(user_id=uid)
    with session_scope() as s:
        rows = s.exec(
            select(Scholarship.name)
            .join(Match, Match.scholarship_id == Scholarship.id)
            .where(Match.user_id == uid, Match.is_current, Scholarship.source == "local")
        ).all()
    return set(rows)


def test_an_import_is_checked_line_by_line_and_a_dry_run_writes_nothing(db: str) -> None:
    counsellor = accounts.student("counsellor@lincoln.example.org").user_id
    org_id, _ = _org(counsellor)
    dry = _import(counsellor, org_id, apply=False)
    assert [line for line, _ in dry.added] == [2, 3]
    assert [line for line, _ in dry.refused] == [4, 5]
    assert "levels" in dry.refused[0][1] and "credibility" in dry.refused[1][1]
    with session_scope() as s:
        assert s.exec(select(Scholarship).where(Scholarship.source == "local")).all() == []
    done = _import(counsellor, org_id, apply=True)
    assert len(done.added) == 2 and done.applied
    again = _import(counsellor, org_id, apply=False)
    assert again.added == [] and len(again.unchanged) == 2
    changed = _import(counsellor, org_id, apply=True, text=CSV.replace("1000,", "1200,"))
    assert [name for _, name in changed.changed] == ["Lincoln High Senior Award"]
    # A header without the needed columns, and JSON with an error, say where.
    bad = _import(counsellor, org_id, apply=False, text="name,url\nX,https://x.org\n")
    assert bad.refused and bad.refused[0][0] == 1
    with session_scope() as s:
        report = organisations.import_local(
            s,
            counsellor_id=counsellor,
            org_id=org_id,
            fmt="json",
            audience="members",
            apply=False,
            today=TODAY,
            text='[\n {"slug": "ok-one", "name": "Okay Award", "url": "https://ok.example.org/a",'
            ' "sources": [{"url": "https://ok.example.org/a"}], "amount": {},'
            ' "cycles": [{"kind": "rolling"}], "description": "A rolling local award for members."},\n'
            ' {"slug": "Bad Slug", "name": "x"}\n]',
        )
    assert [line for line, _ in report.added] == [2] and report.refused[0][0] == 3


def test_local_scholarships_reach_members_and_the_area_only(db: str) -> None:
    counsellor = accounts.student("counsellor@lincoln.example.org").user_id
    org_id, code = _org(counsellor)
    member = _student("member@example.org")
    outsider_tx = _student("neighbour@example.org", state="TX")
    outsider_ca = _student("faraway@example.org", state="CA")
    with session_scope() as s:
        assert (
            organisations.join(
                s, student_id=member, code=code.lower(), share_tracker=True, share_matches=True
            )
            == "Lincoln High School"
        )
    _import(counsellor, org_id, apply=True)
    assert _matched(member) == {"Lincoln High Senior Award", "Rotary Club Service Award"}
    assert _matched(outsider_tx) == set() and _matched(outsider_ca) == set()
    with session_scope() as s:
        sid = s.exec(
            select(Scholarship.id).where(Scholarship.name == "Lincoln High Senior Award")
        ).one()
        assert get_scholarship(s, sid or 0, viewer_id=member) is not None
        assert get_scholarship(s, sid or 0, viewer_id=outsider_tx) is None
        assert get_scholarship(s, sid or 0) is None
    # Shown in the organisation's area too: a Texas student sees it, a Californian does not.
    _import(counsellor, org_id, apply=True, audience="area")
    assert _matched(outsider_tx) == {"Lincoln High Senior Award", "Rotary Club Service Award"}
    assert _matched(outsider_ca) == set()
    # The counsellor sees who matches (students who share their matches).
    with session_scope() as s:
        listed = organisations.local_scholarships(s, counsellor_id=counsellor, org_id=org_id)
    assert {r.name: r.matched for r in listed}["Lincoln High Senior Award"] == "Member"
    # Leaving ends membership: the member-only reach is gone (the area one needs the state).
    with session_scope() as s:
        organisations.leave(s, student_id=member, org_id=org_id)
    _import(counsellor, org_id, apply=True, audience="members")
    assert _matched(member) == set()


def test_counsellors_see_progress_only_with_consent_and_only_their_own(db: str) -> None:
    counsellor = accounts.student("counsellor@lincoln.example.org").user_id
    other = accounts.student("counsellor@other.example.org").user_id
    org_id, code = _org(counsellor)
    other_org, _ = _org(other, state=None)
    student = _student("member@example.org")
    with session_scope() as s:
        organisations.join(
            s, student_id=student, code=code, share_tracker=False, share_matches=False
        )
    with session_scope() as s:
        assert (
            organisations.students(s, counsellor_id=counsellor, org_id=org_id)[0].tracker
            == "not shared"
        )
        assert s.exec(select(AccessLog)).all() == []
    with session_scope() as s:
        organisations.set_consent(
            s, student_id=student, org_id=org_id, share_tracker=True, share_matches=False
        )
    with session_scope() as s:
        [row] = organisations.students(s, counsellor_id=counsellor, org_id=org_id)
        assert row.tracker.startswith("0 tracked")
    with session_scope() as s:
        assert [e.what for e in s.exec(select(AccessLog))] == ["progress (organisation)"]
    # Another organisation's counsellor replays the ids: nothing.
    for call in (
        lambda s: organisations.students(s, counsellor_id=other, org_id=org_id),
        lambda s: organisations.local_scholarships(s, counsellor_id=other, org_id=org_id),
        lambda s: organisations.rotate_code(s, counsellor_id=other, org_id=org_id),
        lambda s: _import(other, org_id, apply=True),
    ):
        with session_scope() as s, pytest.raises(NotFound):
            call(s)
    with session_scope() as s, pytest.raises(NotFound):
        organisations.join(
            s, student_id=student, code="WRONG-CODE-0000", share_tracker=True, share_matches=True
        )
    with session_scope() as s:
        new_code = organisations.rotate_code(s, counsellor_id=counsellor, org_id=org_id)
    with session_scope() as s, pytest.raises(NotFound):
        organisations.join(s, student_id=student, code=code, share_tracker=True, share_matches=True)
    with session_scope() as s:
        organisations.join(
            s, student_id=student, code=new_code, share_tracker=True, share_matches=True
        )
    with session_scope() as s, pytest.raises(ValidationFailed):
        organisations.create(s, user_id=other, name="X", kind="club", area_state="ZZ")
    assert other_org


def test_the_catalogue_with_local_entries_is_compiled_once_per_version(
    db: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    counsellor = accounts.student("counsellor@lincoln.example.org").user_id
    org_id, code = _org(counsellor)
    first, second = _student("one@example.org"), _student("two@example.org")
    with session_scope() as s:
        for uid in (first, second):
            organisations.join(
                s, student_id=uid, code=code, share_tracker=False, share_matches=False
            )
    _import(counsellor, org_id, apply=True)
    compiled: list[int] = []
    real = matches.compile_catalogue

    def counting(entries):  # type: ignore[no-untyped-def]
        compiled.append(len(entries))
        return real(entries)

    monkeypatch.setattr(matches, "compile_catalogue", counting)
    assert (
        _matched(first)
        == _matched(second)
        == {
            "Lincoln High Senior Award",
            "Rotary Club Service Award",
        }
    )
    assert _matched(first)  # a third look
    # The two students of one organisation share one compilation of catalogue + local entries.
    assert len([n for n in compiled if n > 2]) <= 1
    # A changed local entry is a new combination: its new rule is what the students see.
    _import(counsellor, org_id, apply=True, text=CSV.replace(",3.0,", ",3.8,"))
    assert _matched(first) == {"Rotary Club Service Award"}  # the GPA 3.8 rule now excludes
