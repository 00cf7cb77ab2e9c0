"""Parents and counsellors who follow a student along, read-only.

A student invites someone by e-mail; the invitee signs in (or creates an account) with that
address and accepts. From then on they see the student's matches, tracker and deadlines, and the
essays and documents the student shares with them, item by item — checked on every read, and
every read recorded in a log the student sees. Revoking ends access at once.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import date, timedelta
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, session_scope, use_case
from scholarlink.core.errors import Conflict, NotFound, ValidationFailed
from scholarlink.models import (
    AccessGrant,
    AccessLog,
    Document,
    Essay,
    Invitation,
    Scholarship,
    SharedItem,
    User,
)
from scholarlink.services import applications, documents, mail, matches
from scholarlink.services.accounts import normalise_email
from scholarlink.services.letters import Download

ROLES = {"parent": "Parent or guardian", "counsellor": "Counsellor"}
INVITE_TTL = timedelta(days=14)
MAX_OPEN_INVITES = 10
ITEM_KINDS = ("essay", "document")


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _name(user: User | None) -> str:
    return (user.display_name or user.email or "A ScholarLink student") if user else ""


# -- the student's side -----------------------------------------------------------------------


@use_case
def invite(session: Session, *, student_id: int, email: str, role: str, accept_url: str) -> int:
    """Invite someone to follow along; mails them a link valid for 14 days. Returns the mail's
    outbox id (send it once the transaction commits)."""
    problems = []
    try:
        email = normalise_email(email)
    except ValidationFailed:
        problems.append({"field": "email", "message": "an e-mail address"})
    if role not in ROLES:
        problems.append({"field": "role", "message": "parent or counsellor"})
    student = session.get(User, student_id)
    if student is None or not student.is_active:
        raise NotFound("No such student")
    if not problems and email == (student.email or ""):
        problems.append({"field": "email", "message": "that is your own address"})
    if problems:
        raise ValidationFailed("Check the highlighted fields", details=problems)
    now = utcnow()
    open_invites = session.exec(
        select(Invitation).where(
            Invitation.student_id == student_id,
            col(Invitation.accepted_at).is_(None),
            col(Invitation.revoked_at).is_(None),
            Invitation.expires_at > now,
        )
    ).all()
    if len(open_invites) >= MAX_OPEN_INVITES:
        raise Conflict(f"You have {MAX_OPEN_INVITES} open invitations; revoke one first.")
    token = secrets.token_urlsafe(32)
    row = Invitation(
        student_id=student_id,
        email=email,
        role=role,
        token_hash=_hash(token),
        expires_at=now + INVITE_TTL,
    )
    session.add(row)
    session.flush()
    queued = mail.enqueue(
        session,
        key=f"invite:{row.id}",
        to=email,
        kind="share_invite",
        context={
            "student": _name(student),
            "role": ROLES[role].lower(),
            "link": f"{accept_url}?{urlencode({'token': token})}",
            "days": INVITE_TTL.days,
        },
    )
    return queued.id if queued is not None and queued.id is not None else 0


@use_case
def revoke_invitation(session: Session, *, student_id: int, invitation_id: int) -> None:
    row = owned(
        session,
        Invitation,
        invitation_id,
        owner_id=student_id,
        what="invitation",
        owner_field="student_id",
    )
    if row.revoked_at is None and row.accepted_at is None:
        row.revoked_at = utcnow()
        session.add(row)


@use_case
def revoke_grant(session: Session, *, student_id: int, grant_id: int) -> None:
    """End someone's access at once (their next read is refused)."""
    row = owned(
        session,
        AccessGrant,
        grant_id,
        owner_id=student_id,
        what="person",
        owner_field="student_id",
    )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


@use_case
def set_shared(
    session: Session, *, student_id: int, grant_id: int, kind: str, item_id: int, shared: bool
) -> None:
    grant = session.get(AccessGrant, grant_id)
    if grant is None or grant.student_id != student_id or grant.revoked_at is not None:
        raise NotFound("No such person")
    if kind not in ITEM_KINDS:
        raise ValidationFailed("Only essays and documents can be shared")
    owned(session, Essay if kind == "essay" else Document, item_id, owner_id=student_id, what=kind)
    existing = session.exec(
        select(SharedItem).where(
            SharedItem.grant_id == grant_id, SharedItem.kind == kind, SharedItem.item_id == item_id
        )
    ).first()
    if shared and existing is None:
        session.add(SharedItem(grant_id=grant_id, kind=kind, item_id=item_id))
    elif not shared and existing is not None:
        session.delete(existing)
    session.flush()


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True)


class ShareToggle(_Frozen):
    """One essay or document the student may share with one person, and whether they do."""

    kind: str
    id: int
    label: str
    shared: bool


class PersonPublic(_Frozen):
    grant_id: int
    name: str
    email: str
    role: str
    since: str
    active: bool
    toggles: list[ShareToggle]


class PendingInvite(_Frozen):
    invitation_id: int
    email: str
    role: str
    expires: str


class LookPublic(_Frozen):
    """One read by someone the student shares with (the access log)."""

    who: str
    what: str
    at: str


class SharingPublic(_Frozen):
    """The student's sharing page: who follows them, the open invitations, who looked."""

    people: list[PersonPublic]
    invites: list[PendingInvite]
    log: list[LookPublic]


def people(
    session: Session, *, student_id: int, shareable: Sequence[tuple[str, int, str]] = ()
) -> tuple[list[PersonPublic], list[PendingInvite]]:
    """Who has (or had) access, each with a toggle for every (kind, id, label) in `shareable`
    saying whether they see it; and the invitations still open."""
    grants = session.exec(
        select(AccessGrant, User)
        .join(User, col(User.id) == AccessGrant.viewer_id)
        .where(AccessGrant.student_id == student_id)
        .order_by(col(AccessGrant.id).desc())
    ).all()
    items: dict[int, set[tuple[str, int]]] = {}
    if grants:
        for item in session.exec(
            select(SharedItem).where(col(SharedItem.grant_id).in_([g.id for g, _ in grants]))
        ):
            items.setdefault(item.grant_id, set()).add((item.kind, item.item_id))
    found = [
        PersonPublic(
            grant_id=g.id or 0,
            name=_name(u),
            email=u.email or "",
            role=ROLES.get(g.role, g.role),
            since=g.created_at.strftime("%b %-d, %Y"),
            active=g.revoked_at is None,
            toggles=[
                ShareToggle(
                    kind=kind,
                    id=item_id,
                    label=f"{kind.capitalize()}: {label}",
                    shared=(kind, item_id) in items.get(g.id or 0, set()),
                )
                for kind, item_id, label in shareable
            ],
        )
        for g, u in grants
    ]
    now = utcnow()
    pending = [
        PendingInvite(
            invitation_id=i.id or 0,
            email=i.email,
            role=ROLES.get(i.role, i.role),
            expires=i.expires_at.strftime("%b %-d, %Y"),
        )
        for i in session.exec(
            select(Invitation)
            .where(
                Invitation.student_id == student_id,
                col(Invitation.accepted_at).is_(None),
                col(Invitation.revoked_at).is_(None),
                Invitation.expires_at > now,
            )
            .order_by(col(Invitation.id).desc())
        )
    ]
    return found, pending


def access_log(session: Session, *, student_id: int, limit: int = 100) -> list[AccessLog]:
    return list(
        session.exec(
            select(AccessLog)
            .where(AccessLog.student_id == student_id)
            .order_by(col(AccessLog.id).desc())
            .limit(limit)
        )
    )


@use_case
def sharing_overview(session: Session, *, student_id: int) -> SharingPublic:
    """Everything the student's sharing page shows: each person with a toggle for every essay
    (latest edited first) and document (newest first) the student has, the open invitations,
    and the access log."""
    shareable = [
        ("essay", e.id or 0, e.title)
        for e in session.exec(
            select(Essay).where(Essay.user_id == student_id).order_by(col(Essay.updated_at).desc())
        )
    ] + [
        ("document", d.id or 0, d.filename)
        for d in session.exec(
            select(Document)
            .where(Document.user_id == student_id)
            .order_by(col(Document.created_at).desc(), col(Document.id).desc())
        )
    ]
    found, pending = people(session, student_id=student_id, shareable=shareable)
    return SharingPublic(
        people=found,
        invites=pending,
        log=[
            LookPublic(who=e.viewer_name, what=e.what, at=e.at.strftime("%b %-d, %Y %H:%M UTC"))
            for e in access_log(session, student_id=student_id)
        ],
    )


# -- the invitee's side -----------------------------------------------------------------------


def invitation_for(session: Session, token: str) -> Invitation | None:
    if not token or len(token) > 200:
        return None
    row = session.exec(select(Invitation).where(Invitation.token_hash == _hash(token))).first()
    if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
        return None
    return row


class InvitationPublic(_Frozen):
    """What the invitee is shown before accepting."""

    student: str
    role: str
    email: str
    accepted: bool


@use_case
def describe_invitation(session: Session, *, token: str) -> InvitationPublic | None:
    """The open invitation with this token, or None (unknown, expired or withdrawn)."""
    row = invitation_for(session, token)
    if row is None:
        return None
    return InvitationPublic(
        student=_name(session.get(User, row.student_id)),
        role=ROLES.get(row.role, row.role),
        email=row.email,
        accepted=row.accepted_at is not None,
    )


@use_case
def accept(session: Session, *, viewer_id: int, token: str) -> int:
    """Accept an invitation as the signed-in viewer (whose address must be the invited one);
    returns the grant's id. Using the link again returns the same grant."""
    row = invitation_for(session, token)
    if row is None:
        raise NotFound("This invitation has expired or was withdrawn.")
    viewer = session.get(User, viewer_id)
    if viewer is None or (viewer.email or "").lower() != row.email:
        raise ValidationFailed(
            f"This invitation was sent to {row.email}. Sign in with that address to accept it."
        )
    if viewer_id == row.student_id:
        raise ValidationFailed("You cannot follow your own applications")
    if row.accepted_at is not None:
        grant = session.exec(
            select(AccessGrant).where(
                AccessGrant.invitation_id == row.id, col(AccessGrant.revoked_at).is_(None)
            )
        ).first()
        if grant is None:
            raise NotFound("This invitation has expired or was withdrawn.")
        return grant.id or 0
    row.accepted_at = utcnow()
    session.add(row)
    grant = AccessGrant(
        student_id=row.student_id, viewer_id=viewer_id, role=row.role, invitation_id=row.id
    )
    session.add(grant)
    session.flush()
    return grant.id or 0


class Followed(_Frozen):
    grant_id: int
    student: str
    role: str


@use_case
def followed(session: Session, *, viewer_id: int) -> list[Followed]:
    rows = session.exec(
        select(AccessGrant, User)
        .join(User, col(User.id) == AccessGrant.student_id)
        .where(AccessGrant.viewer_id == viewer_id, col(AccessGrant.revoked_at).is_(None))
        .order_by(col(AccessGrant.id))
    ).all()
    return [
        Followed(grant_id=g.id or 0, student=_name(u), role=ROLES.get(g.role, g.role))
        for g, u in rows
    ]


def _grant(session: Session, viewer_id: int, grant_id: int) -> AccessGrant:
    """The viewer's active grant, or NotFound (revoked, someone else's, or unknown alike)."""
    grant = session.get(AccessGrant, grant_id)
    if grant is None or grant.viewer_id != viewer_id or grant.revoked_at is not None:
        raise NotFound("You no longer have access to this student's applications.")
    student = session.get(User, grant.student_id)
    if student is None or not student.is_active:
        raise NotFound("You no longer have access to this student's applications.")
    return grant


def _day(when: date | None) -> str:
    return when.strftime("%b %-d, %Y") if when else "varies"


def _log(session: Session, grant: AccessGrant, what: str) -> None:
    viewer = session.get(User, grant.viewer_id)
    session.add(
        AccessLog(
            student_id=grant.student_id,
            viewer_id=grant.viewer_id,
            viewer_name=_name(viewer),
            what=what[:120],
        )
    )


class TrackedLine(_Frozen):
    name: str
    status: str
    progress: int
    deadline: str


class MatchLine(_Frozen):
    name: str
    chance: str
    deadline: str


class DeadlineLine(_Frozen):
    name: str
    date: str
    when: str


class SharedEssay(_Frozen):
    id: int
    title: str
    content: str


class SharedDocument(_Frozen):
    id: int
    filename: str


class FollowedStudent(_Frozen):
    """What a viewer sees of the student they follow."""

    student: str
    role: str
    tracker: list[TrackedLine]
    matches: list[MatchLine]
    deadlines: list[DeadlineLine]
    essays: list[SharedEssay]
    documents: list[SharedDocument]


@use_case
def overview(session: Session, *, viewer_id: int, grant_id: int, today: date) -> FollowedStudent:
    """What a viewer sees: the student's tracker, matches and deadlines, and the items the
    student shared with this viewer. Checked and logged."""
    grant = _grant(session, viewer_id, grant_id)
    student_id = grant.student_id
    _log(session, grant, "matches, tracker and deadlines")
    tracked = applications.list_applications(session, user_id=student_id)
    due = matches.student_deadlines(
        session,
        user_id=student_id,
        scholarship_ids=[t.scholarship.id or 0 for t in tracked],
        day=today,
    )
    groups = matches.stored_groups(session, user_id=student_id, limit=20)
    names = {t.scholarship.id: t.scholarship.name for t in tracked}
    match_rows = {
        s.id: s
        for s in session.exec(
            select(Scholarship).where(
                col(Scholarship.id).in_([v.scholarship_id for v in groups["match"]])
            )
        )
    }
    shared = session.exec(select(SharedItem).where(SharedItem.grant_id == grant.id)).all()
    essay_ids = [i.item_id for i in shared if i.kind == "essay"]
    doc_ids = [i.item_id for i in shared if i.kind == "document"]
    essays = (
        session.exec(
            select(Essay).where(col(Essay.id).in_(essay_ids), Essay.user_id == student_id)
        ).all()
        if essay_ids
        else []
    )
    docs = (
        session.exec(
            select(Document).where(col(Document.id).in_(doc_ids), Document.user_id == student_id)
        ).all()
        if doc_ids
        else []
    )
    return FollowedStudent(
        student=_name(session.get(User, student_id)),
        role=ROLES.get(grant.role, grant.role),
        tracker=[
            TrackedLine(
                name=t.scholarship.name,
                status=applications.STATUSES.get(t.application.status, t.application.status),
                progress=t.application.progress,
                deadline=_day(due.get(t.scholarship.id or 0, (None, ""))[0]),
            )
            for t in tracked
        ],
        matches=[
            MatchLine(
                name=match_rows[v.scholarship_id].name,
                chance=v.chance,
                deadline=v.deadline.strftime("%b %-d, %Y") if v.deadline else "varies",
            )
            for v in groups["match"]
            if v.scholarship_id in match_rows
        ],
        deadlines=sorted(
            (
                DeadlineLine(name=names.get(sid, ""), date=when.isoformat(), when=_day(when))
                for sid, (when, _) in due.items()
                if when is not None and when >= today
            ),
            key=lambda d: d.date,
        ),
        essays=[SharedEssay(id=e.id or 0, title=e.title, content=e.content) for e in essays],
        documents=[SharedDocument(id=d.id or 0, filename=d.filename) for d in docs],
    )


def shared_document(*, viewer_id: int, grant_id: int, document_id: int) -> Download:
    """A document the student shared with this viewer (checked, logged)."""
    with session_scope() as session:
        grant = _grant(session, viewer_id, grant_id)
        item = session.exec(
            select(SharedItem).where(
                SharedItem.grant_id == grant.id,
                SharedItem.kind == "document",
                SharedItem.item_id == document_id,
            )
        ).first()
        if item is None:
            raise NotFound("No such document")
        student_id = grant.student_id
        _log(session, grant, f"document #{document_id}")
    doc, data = documents.read(user_id=student_id, document_id=document_id)
    return Download(filename=doc.filename, content_type=doc.content_type, data=data)
