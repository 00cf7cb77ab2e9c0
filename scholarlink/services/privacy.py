"""A student's data: export all of it, or delete the account.

Deleting removes documents from storage and every personal row; the credit ledger and purchases
stay (financial records) but point at an anonymised account that can no longer sign in.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel, ConfigDict
from sqlmodel import Session, col, delete, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import use_case
from scholarlink.core.errors import NotFound, ValidationFailed
from scholarlink.models import (
    AccessGrant,
    AccessLog,
    AIUsage,
    Application,
    ApplicationDocument,
    AuthIdentity,
    CreditEntry,
    Document,
    Essay,
    EssayVersion,
    Invitation,
    LetterRequest,
    LetterUse,
    Match,
    MatchAnnouncement,
    MatchRun,
    Notification,
    NotificationPrefs,
    OutboundMail,
    Purchase,
    Scholarship,
    SharedItem,
    SignUpRequest,
    SpellingIgnore,
    StudentProfile,
    User,
    UserSession,
)
from scholarlink.services import auth, documents, letters, throttle
from scholarlink.services.accounts import verify_password
from scholarlink.services.profiles import profile_dict


def _rows(session: Session, model: Any, user_id: int) -> list[Any]:
    return list(session.exec(select(model).where(model.user_id == user_id)))


@use_case
def export_data(session: Session, *, user_id: int) -> dict[str, Any]:
    """Everything ScholarLink holds about the student, as one JSON-ready document."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("No such student")
    profile = session.exec(select(StudentProfile).where(StudentProfile.user_id == user_id)).first()
    names = {s.id: s.slug for s in session.exec(select(Scholarship))}
    essays = _rows(session, Essay, user_id)
    versions: dict[int, list[EssayVersion]] = {}
    for v in session.exec(
        select(EssayVersion).where(col(EssayVersion.essay_id).in_([e.id for e in essays]))
    ):
        versions.setdefault(v.essay_id, []).append(v)
    apps = _rows(session, Application, user_id)
    docs = _rows(session, Document, user_id)
    links = session.exec(
        select(ApplicationDocument).where(
            col(ApplicationDocument.document_id).in_([d.id for d in docs])
        )
    ).all()
    return {
        "exported_at": utcnow().isoformat(),
        "account": {
            "student_id": user.public_id,
            "email": user.email,
            "name": user.display_name,
            "created_at": user.created_at.isoformat(),
        },
        "sign_in_identities": [
            {"issuer": i.issuer, "subject": i.subject, "email": i.email}
            for i in _rows(session, AuthIdentity, user_id)
        ],
        "profile": profile_dict(profile, user.public_id) if profile else None,
        "matches": [
            {
                "scholarship": names.get(m.scholarship_id),
                "score": m.score,
                "chance": m.chance,
                "reasons": m.reasons,
                "eligibility": m.eligibility,
                "bookmarked": m.bookmarked,
                "dismissed": m.dismissed,
                "dismiss_reason": m.dismiss_reason,
                "computed_at": m.computed_at.isoformat(),
            }
            for m in _rows(session, Match, user_id)
        ],
        "applications": [
            {
                "id": a.id,
                "scholarship": names.get(a.scholarship_id),
                "status": a.status,
                "progress": a.progress,
                "notes": a.notes,
                "outcome": a.outcome,
                "amount_won": a.amount_won,
                "documents": [link.document_id for link in links if link.application_id == a.id],
                "created_at": a.created_at.isoformat(),
            }
            for a in apps
        ],
        "essays": [
            {
                "id": e.id,
                "title": e.title,
                "prompt": e.prompt,
                "type": e.essay_type,
                "word_limit": e.word_limit,
                "content": e.content,
                "versions": [
                    {
                        "version": v.version,
                        "content": v.content,
                        "note": v.note,
                        "created_at": v.created_at.isoformat(),
                    }
                    for v in sorted(versions.get(e.id or 0, []), key=lambda v: v.version)
                ],
            }
            for e in essays
        ],
        "spelling_ignored_words": sorted(w.word for w in _rows(session, SpellingIgnore, user_id)),
        "documents": [
            {
                "id": d.id,
                "filename": d.filename,
                "content_type": d.content_type,
                "size_bytes": d.size_bytes,
                "sha256": d.sha256,
                "kind": d.kind,
                "created_at": d.created_at.isoformat(),
            }
            for d in docs
        ],
        "credit_ledger": [
            {
                "amount_credits": e.amount_millicredits / 1000,
                "balance_after_credits": e.balance_after / 1000,
                "kind": e.kind,
                "description": e.description,
                "created_at": e.created_at.isoformat(),
            }
            for e in session.exec(
                select(CreditEntry)
                .where(CreditEntry.user_id == user_id)
                .order_by(col(CreditEntry.id))
            )
        ],
        "purchases": [
            {
                "package": p.package,
                "amount_cents": p.amount_cents,
                "credits": p.credits,
                "status": p.status,
                "created_at": p.created_at.isoformat(),
            }
            for p in _rows(session, Purchase, user_id)
        ],
        "ai_usage": [
            {
                "operation": u.operation,
                "provider": u.provider,
                "cost_credits": u.cost_millicredits / 1000,
                "created_at": u.created_at.isoformat(),
            }
            for u in _rows(session, AIUsage, user_id)
        ],
        "notifications": [
            {"title": n.title, "body": n.body, "created_at": n.created_at.isoformat()}
            for n in _rows(session, Notification, user_id)
        ],
        "notification_preferences": [
            {
                "new_matches": p.new_matches,
                "deadline_mail": p.deadline_mail,
                "watchlist_mail": p.watchlist_mail,
                "timezone": p.timezone,
            }
            for p in _rows(session, NotificationPrefs, user_id)
        ],
        "followers": [
            {
                "viewer_id": g.viewer_id,
                "role": g.role,
                "since": g.created_at.isoformat(),
                "revoked_at": g.revoked_at.isoformat() if g.revoked_at else None,
            }
            for g in session.exec(select(AccessGrant).where(AccessGrant.student_id == user_id))
        ],
        "access_log": [
            {"viewer": e.viewer_name, "what": e.what, "at": e.at.isoformat()}
            for e in session.exec(select(AccessLog).where(AccessLog.student_id == user_id))
        ],
        "letters": [
            {
                "recommender": r.recommender_name,
                "email": r.recommender_email,
                "due_on": r.due_on.isoformat(),
                "status": letters.status_of(r),
                "waived": r.waived,
            }
            for r in session.exec(select(LetterRequest).where(LetterRequest.student_id == user_id))
        ],
        "emails": [
            {
                "kind": m.kind,
                "subject": m.subject,
                "status": m.status,
                "created_at": m.created_at.isoformat(),
            }
            for m in _rows(session, OutboundMail, user_id)
        ],
    }


class DeletionCheckPublic(BaseModel):
    """How a student confirms deleting their account: their password when they have one, else
    by typing `confirm_hint` (their e-mail, or "DELETE" when they have none)."""

    model_config = ConfigDict(frozen=True)

    has_password: bool
    confirm_hint: str


@use_case
def deletion_check(session: Session, *, user_id: int) -> DeletionCheckPublic:
    user = session.get(User, user_id)
    return DeletionCheckPublic(
        has_password=bool(user and user.password_hash),
        confirm_hint=(user.email if user and user.email else "DELETE") or "DELETE",
    )


@use_case
def _confirm_deletion(
    session: Session, *, user_id: int, password: str | None, confirm_email: str | None
) -> None:
    """Re-authentication before deleting: refuses (changing nothing) unless confirmed."""
    user = session.get(User, user_id)
    if user is None or not user.is_active:
        raise NotFound("No such student")
    if user.password_hash:
        # Wrong passwords here are throttled like sign-ins: a stolen session must not be
        # a way to guess the password.
        throttle.check(throttle.PASSWORD_CHECK, str(user_id))
        if not password or not verify_password(user.password_hash, password):
            throttle.hit(throttle.PASSWORD_CHECK, str(user_id))
            raise ValidationFailed(
                "Your password is not correct — nothing was deleted.",
                details=[{"field": "password", "message": "Wrong password"}],
            )
    else:
        expected = (user.email or "DELETE").lower()
        if (confirm_email or "").strip().lower() != expected:
            raise ValidationFailed(
                "Type the confirmation exactly — nothing was deleted.",
                details=[{"field": "confirm", "message": "Does not match"}],
            )


@use_case
def _erase(session: Session, *, user_id: int) -> None:
    """Delete what is the student's and anonymise their row, in one transaction."""
    auth.end_all_sessions(session, user_id=user_id)
    essay_ids = [e.id for e in _rows(session, Essay, user_id)]
    if essay_ids:
        session.exec(delete(EssayVersion).where(col(EssayVersion.essay_id).in_(essay_ids)))
    for statement in (
        delete(Essay).where(col(Essay.user_id) == user_id),
        delete(SpellingIgnore).where(col(SpellingIgnore.user_id) == user_id),
        delete(Application).where(col(Application.user_id) == user_id),
        delete(Scholarship).where(col(Scholarship.owner_user_id) == user_id),
        delete(LetterUse).where(
            col(LetterUse.application_id).in_(
                select(Application.id).where(col(Application.user_id) == user_id)
            )
        ),
        delete(LetterRequest).where(col(LetterRequest.student_id) == user_id),
        delete(SharedItem).where(
            col(SharedItem.grant_id).in_(
                select(AccessGrant.id).where(
                    sa.or_(
                        col(AccessGrant.student_id) == user_id,
                        col(AccessGrant.viewer_id) == user_id,
                    )
                )
            )
        ),
        delete(AccessGrant).where(
            sa.or_(col(AccessGrant.student_id) == user_id, col(AccessGrant.viewer_id) == user_id)
        ),
        delete(Invitation).where(col(Invitation.student_id) == user_id),
        delete(AccessLog).where(col(AccessLog.student_id) == user_id),
        delete(MatchAnnouncement).where(col(MatchAnnouncement.user_id) == user_id),
        delete(MatchRun).where(col(MatchRun.user_id) == user_id),
        delete(NotificationPrefs).where(col(NotificationPrefs.user_id) == user_id),
        delete(OutboundMail).where(col(OutboundMail.user_id) == user_id),
        delete(Match).where(col(Match.user_id) == user_id),
        delete(StudentProfile).where(col(StudentProfile.user_id) == user_id),
        delete(Notification).where(col(Notification.user_id) == user_id),
        delete(AuthIdentity).where(col(AuthIdentity.user_id) == user_id),
        delete(UserSession).where(col(UserSession.user_id) == user_id),
        delete(AIUsage).where(col(AIUsage.user_id) == user_id),
    ):
        session.exec(statement)
    user = session.get(User, user_id)
    assert user is not None
    if user.email:
        session.exec(delete(OutboundMail).where(col(OutboundMail.to_address) == user.email))
        session.exec(delete(SignUpRequest).where(col(SignUpRequest.email) == user.email))
    user.email = None
    user.display_name = "Deleted student"
    user.password_hash = None
    user.calendar_token = None
    user.is_active = False
    session.add(user)


def delete_account(
    *, user_id: int, password: str | None = None, confirm_email: str | None = None
) -> None:
    """Re-authenticate, then delete. Local accounts confirm with their password; accounts that
    only sign in with Scholar Auth confirm by typing their e-mail (or "DELETE" when they have none)."""
    _confirm_deletion(user_id=user_id, password=password, confirm_email=confirm_email)
    # Blobs first (each removed with its row); a failure here leaves the account intact.
    documents.delete_all_for_student(user_id=user_id)
    letters.delete_all_for_student(student_id=user_id)
    _erase(user_id=user_id)
    # The ledger and purchases stay (financial records), pointing at the anonymised row.
