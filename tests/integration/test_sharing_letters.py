"""Parents and counsellors following a student, recommendation letters, and students' own finds
(both databases). Isolation is tested the way the student tests do: replay another user's ids."""

from __future__ import annotations

import re
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlparse

import pytest
from fastapi.testclient import TestClient
from sqlmodel import select

from scholarlink.api import create_api
from scholarlink.api.deps import SESSION_COOKIE
from scholarlink.core.db import session_scope
from scholarlink.core.errors import Conflict, NotFound, ValidationFailed
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AccessLog, LetterRequest, Notification, OutboundMail
from scholarlink.services import applications, documents, essays, letters, notify, sharing
from scholarlink.services import storage as storage_mod
from scholarlink.services.catalogue import get_scholarship
from tests.support import accounts
from tests.unit.test_document_types import ELF, PDF

TODAY = date.today()
BASE = "http://127.0.0.1:3000"


@pytest.fixture(autouse=True)
def _vault(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("STORAGE_BACKEND", "local")
    monkeypatch.setenv("STORAGE_LOCAL_DIR", str(tmp_path / "vault"))
    reset_settings_cache()
    storage_mod.reset_storage()


def _mail_to(address: str, kind: str) -> OutboundMail:
    with session_scope() as s:
        rows = s.exec(
            select(OutboundMail).where(
                OutboundMail.to_address == address, OutboundMail.kind == kind
            )
        ).all()
        assert rows, f"no {kind} mail to {address}"
        return rows[-1]


def _link(text: str, path: str) -> dict[str, str]:
    found = re.search(rf"https?://\S+{re.escape(path)}\?\S+", text)
    assert found, f"no {path} link"
    return {k: v[0] for k, v in parse_qs(urlparse(found.group()).query).items()}


def _own_find(user_id: int, days: int = 40) -> int:
    with session_scope() as s:
        app = applications.add_own_find(
            s,
            user_id=user_id,
            name="Rotary Club of Springfield Award",
            url="https://springfieldrotary.example.org/scholarship",
            deadline=TODAY + timedelta(days=days),
            amount=1500,
            today=TODAY,
        )
        return app.id or 0


# -- own finds ------------------------------------------------------------------------------


def test_an_own_find_is_tracked_reminded_and_private(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    ben = accounts.student("ben@example.org").user_id
    app_id = _own_find(ana, days=7)
    with session_scope() as s:
        [tracked] = applications.list_applications(s, user_id=ana)
        sid = tracked.scholarship.id or 0
        assert tracked.application.id == app_id and tracked.scholarship.source == "student"
        assert get_scholarship(s, sid, viewer_id=ana) is not None
        # Nobody else sees it: not another student, not the public catalogue, not by id.
        assert get_scholarship(s, sid, viewer_id=ben) is None
        assert get_scholarship(s, sid) is None
        with pytest.raises(NotFound):
            applications.create_application(s, user_id=ben, scholarship=sid)
    with TestClient(create_api()) as client:
        assert client.get(f"/api/scholarships/{sid}").status_code == 404
        listed = client.get("/api/scholarships", params={"q": "Springfield"}).json()
        assert listed["total"] == 0
    # Reminders like any other application.
    assert notify.run_pass().reminders == 1
    with session_scope() as s:
        [note] = s.exec(select(Notification).where(Notification.user_id == ana)).all()
        # Counted from the day the pass ran (TODAY is fixed when the module is imported: a run
        # that crosses midnight would otherwise expect a day too many).
        days = (TODAY + timedelta(days=7) - date.today()).days
        assert note.title == f"Rotary Club of Springfield Award is due in {days} days"


def test_own_finds_refuse_bad_input_and_change_nothing(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    with session_scope() as s, pytest.raises(ValidationFailed) as bad:
        applications.add_own_find(
            s,
            user_id=ana,
            name="x",
            url="javascript:alert(1)",
            deadline=TODAY - timedelta(days=1),
            amount=-5,
            today=TODAY,
        )
    assert {d["field"] for d in bad.value.details} == {"name", "url", "deadline", "amount"}
    with session_scope() as s:
        assert applications.list_applications(s, user_id=ana) == []


# -- sharing --------------------------------------------------------------------------------


def _invite(student: int, email: str, role: str = "parent") -> str:
    with session_scope() as s:
        sharing.invite(
            s, student_id=student, email=email, role=role, accept_url=BASE + "/shared/accept"
        )
    return _link(_mail_to(email, "share_invite").text_body, "/shared/accept")["token"]


def test_a_parent_follows_along_until_the_student_revokes(db: str) -> None:
    ana = accounts.student("ana@example.org", display_name="Ana").user_id
    _own_find(ana)
    with session_scope() as s:
        essay = essays.create_essay(
            s, user_id=ana, title="Why nursing", content="I care for people."
        )
        private = essays.create_essay(
            s, user_id=ana, title="Secret draft", content="Not for anyone."
        )
    doc = documents.upload(user_id=ana, filename="transcript.pdf", data=PDF)
    token = _invite(ana, "mum@example.org")
    mum = accounts.student("mum@example.org", display_name="Mum").user_id
    with session_scope() as s:
        grant = sharing.accept(s, viewer_id=mum, token=token)
        assert sharing.accept(s, viewer_id=mum, token=token) == grant  # the link again: same grant
    with session_scope() as s:
        view = sharing.overview(s, viewer_id=mum, grant_id=grant, today=TODAY)
    assert view.student == "Ana" and [t.name for t in view.tracker] == [
        "Rotary Club of Springfield Award"
    ]
    assert view.essays == [] and view.documents == []  # nothing shared yet
    with session_scope() as s:
        sharing.set_shared(
            s, student_id=ana, grant_id=grant, kind="essay", item_id=essay.id or 0, shared=True
        )
        sharing.set_shared(
            s, student_id=ana, grant_id=grant, kind="document", item_id=doc.id or 0, shared=True
        )
    with session_scope() as s:
        view = sharing.overview(s, viewer_id=mum, grant_id=grant, today=TODAY)
    assert [e.title for e in view.essays] == ["Why nursing"]
    assert private.title not in str(view)
    shared = sharing.shared_document(viewer_id=mum, grant_id=grant, document_id=doc.id or 0)
    assert shared.data == PDF and shared.filename == "transcript.pdf"
    # Every read by someone else is in the student's log.
    with session_scope() as s:
        log = [(e.viewer_name, e.what) for e in sharing.access_log(s, student_id=ana)]
    assert ("Mum", f"document #{doc.id}") in log and (
        "Mum",
        "matches, tracker and deadlines",
    ) in log
    with session_scope() as s:
        sharing.revoke_grant(s, student_id=ana, grant_id=grant)
    with session_scope() as s, pytest.raises(NotFound):
        sharing.overview(s, viewer_id=mum, grant_id=grant, today=TODAY)
    with pytest.raises(NotFound):
        sharing.shared_document(viewer_id=mum, grant_id=grant, document_id=doc.id or 0)
    with session_scope() as s:
        assert sharing.followed(s, viewer_id=mum) == []


def test_invitations_are_for_their_address_and_ids_cannot_be_replayed(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    ben = accounts.student("ben@example.org").user_id
    eve = accounts.student("eve@example.org").user_id
    token = _invite(ana, "coach@example.org", role="counsellor")
    # Someone else holding the link cannot accept it.
    with session_scope() as s, pytest.raises(ValidationFailed, match=r"coach@example\.org"):
        sharing.accept(s, viewer_id=eve, token=token)
    coach = accounts.student("coach@example.org").user_id
    with session_scope() as s:
        grant = sharing.accept(s, viewer_id=coach, token=token)
    with session_scope() as s:
        ben_essay = essays.create_essay(s, user_id=ben, title="Ben's", content="Ben's story.")
    # Eve replays the coach's grant id; Ana tries to share Ben's essay; Ben revokes Ana's grant.
    with session_scope() as s, pytest.raises(NotFound):
        sharing.overview(s, viewer_id=eve, grant_id=grant, today=TODAY)
    with session_scope() as s, pytest.raises(NotFound):
        sharing.set_shared(
            s, student_id=ana, grant_id=grant, kind="essay", item_id=ben_essay.id or 0, shared=True
        )
    with session_scope() as s, pytest.raises(NotFound):
        sharing.revoke_grant(s, student_id=ben, grant_id=grant)
    with session_scope() as s, pytest.raises(NotFound):
        sharing.accept(s, viewer_id=coach, token="forged")
    # A withdrawn invitation no longer works; bad input changes nothing.
    token2 = _invite(ana, "aunt@example.org")
    with session_scope() as s:
        [_, pending] = sharing.people(s, student_id=ana)
        sharing.revoke_invitation(s, student_id=ana, invitation_id=pending[0].invitation_id)
    aunt = accounts.student("aunt@example.org").user_id
    with session_scope() as s, pytest.raises(NotFound):
        sharing.accept(s, viewer_id=aunt, token=token2)
    with session_scope() as s, pytest.raises(ValidationFailed):
        sharing.invite(s, student_id=ana, email="ana@example.org", role="parent", accept_url=BASE)
    with session_scope() as s, pytest.raises(ValidationFailed):
        sharing.invite(s, student_id=ana, email="x@example.org", role="boss", accept_url=BASE)
    with session_scope() as s:
        assert s.exec(select(AccessLog).where(AccessLog.viewer_id == eve)).all() == []


def test_shared_document_route_checks_the_grant(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    doc = documents.upload(user_id=ana, filename="essay.pdf", data=PDF)
    token = _invite(ana, "mum@example.org")
    mum = accounts.student("mum@example.org")
    eve = accounts.student("eve@example.org")
    with session_scope() as s:
        grant = sharing.accept(s, viewer_id=mum.user_id, token=token)
    url = f"/api/shared/{grant}/documents/{doc.id}"
    with TestClient(create_api()) as client:
        assert client.get(url).status_code == 401
        client.cookies.set(SESSION_COOKIE, mum.token)
        assert client.get(url).status_code == 404  # not shared yet
        with session_scope() as s:
            sharing.set_shared(
                s, student_id=ana, grant_id=grant, kind="document", item_id=doc.id or 0, shared=True
            )
        r = client.get(url)
        assert r.status_code == 200 and r.content == PDF
        client.cookies.set(SESSION_COOKIE, eve.token)
        assert client.get(url).status_code == 404


# -- letters --------------------------------------------------------------------------------


def _request_letter(student: int, app_id: int, waived: bool, due_days: int = 20) -> dict[str, str]:
    with session_scope() as s:
        letters.request_letter(
            s,
            student_id=student,
            application_id=app_id,
            name="Ms. Rivera",
            email="rivera@school.example.org",
            due_on=TODAY + timedelta(days=due_days),
            note="Robotics club, 2 years.",
            waived=waived,
            upload_url=BASE + "/letters/upload",
            today=TODAY,
        )
    return _link(
        _mail_to("rivera@school.example.org", "letter_request").text_body, "/letters/upload"
    )


def test_a_letter_is_requested_opened_uploaded_and_read(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    app_id = _own_find(ana)
    other_app = _own_find(ana)
    link = _request_letter(ana, app_id, waived=False)
    lid, token = int(link["letter"]), link["token"]
    with session_scope() as s:
        assert [v.status for v in letters.letters_for(s, student_id=ana)] == ["requested"]
    page = letters.open_link(letter_id=lid, token=token)
    assert page.programme == "Rotary Club of Springfield Award" and not page.waived
    with session_scope() as s:
        assert [v.status for v in letters.letters_for(s, student_id=ana)] == ["opened"]
    # The vault's checks: a program disguised as a PDF is refused, nothing stored.
    with pytest.raises(ValidationFailed):
        letters.upload(letter_id=lid, token=token, filename="letter.pdf", data=ELF, reusable=False)
    with pytest.raises(NotFound):
        letters.upload(
            letter_id=lid, token="0" * 64, filename="letter.pdf", data=PDF, reusable=False
        )
    letters.upload(letter_id=lid, token=token, filename="letter.pdf", data=PDF, reusable=True)
    with pytest.raises(Conflict):
        letters.upload(letter_id=lid, token=token, filename="again.pdf", data=PDF, reusable=True)
    assert letters.read_letter(student_id=ana, letter_id=lid).data == PDF
    with session_scope() as s:
        letters.reuse(s, student_id=ana, letter_id=lid, application_id=other_app)
    with session_scope() as s:
        [view] = letters.letters_for(s, student_id=ana)
        assert view.status == "received" and view.used_for == ["Rotary Club of Springfield Award"]
        titles = [
            n.title
            for n in s.exec(select(Notification).where(Notification.kind == "letter_received"))
        ]
    assert titles == ["Ms. Rivera's letter for Rotary Club of Springfield Award has arrived"]
    # Another student replaying the letter id gets nothing.
    ben = accounts.student("ben@example.org").user_id
    with pytest.raises(NotFound):
        letters.read_letter(student_id=ben, letter_id=lid)


def test_a_waived_letter_stays_confidential(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    link = _request_letter(ana, _own_find(ana), waived=True)
    letters.upload(
        letter_id=int(link["letter"]),
        token=link["token"],
        filename="Rivera.pdf",
        data=PDF,
        reusable=False,
    )
    with session_scope() as s:
        [view] = letters.letters_for(s, student_id=ana)
    assert view.status == "received" and view.waived and view.filename == ""
    with pytest.raises(NotFound, match="waived"):
        letters.read_letter(student_id=ana, letter_id=view.id)


def test_recommenders_are_reminded_14_7_and_2_days_before(db: str) -> None:
    ana = accounts.student("ana@example.org").user_id
    link = _request_letter(ana, _own_find(ana), waived=False, due_days=20)
    due = TODAY + timedelta(days=20)
    upload = BASE + "/letters/upload"

    def remind(left: int) -> int:
        with session_scope() as s:
            return letters.due_letter_reminders(
                s, today=due - timedelta(days=left), upload_url=upload
            )

    assert remind(15) == 0
    assert remind(14) == 1 and remind(13) == 0
    assert remind(5) == 1  # the 7-day one, late after downtime; once
    assert remind(2) == 1 and remind(1) == 0
    with session_scope() as s:
        reminders_sent = s.exec(
            select(OutboundMail).where(OutboundMail.kind == "letter_reminder")
        ).all()
        # The reminder carries the same working link.
        assert all(link["token"] in m.text_body for m in reminders_sent)
    letters.decline(letter_id=int(link["letter"]), token=link["token"])
    assert remind(0) == 0
    with session_scope() as s:
        [row] = s.exec(select(LetterRequest)).all()
        assert letters.status_of(row) == "declined"
