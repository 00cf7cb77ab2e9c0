"""Recommendation letters: the student asks, the recommender uploads through a signed link.

- For a tracked application the student names the recommender (name, e-mail), a due date and an
  optional note, and whether they waive their right to read the letter.
- The recommender gets a signed, expiring link (HMAC of a random salt with SECRET_KEY; nothing in
  the database is a usable link; the student can withdraw it) and uploads the letter without an
  account, with the vault's type and size checks — or says they cannot write it. Reminders go 14,
  7 and 2 days before the due date while nothing has arrived (the alert pass, services.notify).
- The student sees requested / opened / received. A waived letter stays confidential: the student
  sees that it arrived, never its content. A recommender may allow the letter to be used for the
  student's other applications.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from urllib.parse import urlencode

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from scholarlink.core.clock import utcnow
from scholarlink.core.db import owned, session_scope, use_case
from scholarlink.core.errors import Conflict, NotFound, Unavailable, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import (
    Application,
    LetterRequest,
    LetterUse,
    Notification,
    OutboundMail,
    Scholarship,
    User,
)
from scholarlink.services import applications, documents, mail
from scholarlink.services.accounts import normalise_email
from scholarlink.services.storage import BlobNotFound, StorageError, get_storage

log = logging.getLogger(__name__)
REMINDER_DAYS = (14, 7, 2)
LINK_GRACE = timedelta(days=30)  # the upload link works until 30 days after the due date
MAX_OPEN_PER_APPLICATION = 5
LINK_GONE = "This letter link has expired or was withdrawn. Please contact the student."


def _token(salt: str) -> str:
    key = get_settings().secret_key.get_secret_value().encode()
    return hmac.new(key, f"letter:{salt}".encode(), hashlib.sha256).hexdigest()


def upload_link(row: LetterRequest, upload_url: str) -> str:
    return f"{upload_url}?{urlencode({'letter': row.id, 'token': _token(row.link_salt)})}"


def status_of(row: LetterRequest) -> str:
    if row.received_at is not None:
        return "received"
    if row.declined_at is not None:
        return "declined"
    if row.revoked_at is not None:
        return "withdrawn"
    if row.opened_at is not None:
        return "opened"
    return "requested"


def _context(session: Session, row: LetterRequest, upload_url: str) -> dict[str, object]:
    student = session.get(User, row.student_id)
    app = session.get(Application, row.application_id)
    sch = session.get(Scholarship, app.scholarship_id) if app else None
    return {
        "recommender": row.recommender_name,
        "student": (student.display_name or "A student") if student else "A student",
        "programme": sch.name if sch else "a scholarship",
        "due": row.due_on.strftime("%B %-d, %Y"),
        "note": row.note,
        "waived": row.waived,
        "link": upload_link(row, upload_url),
    }


@use_case
def request_letter(
    session: Session,
    *,
    student_id: int,
    application_id: int,
    name: str,
    email: str,
    due_on: date,
    note: str,
    waived: bool,
    upload_url: str,
    today: date,
) -> int:
    """Ask for a letter; mails the recommender. Returns the outbox id of the mail."""
    app = session.get(Application, application_id)
    if app is None or app.user_id != student_id:
        raise NotFound("No such application")
    problems = []
    name = " ".join(name.split())
    if not 2 <= len(name) <= 120:
        problems.append({"field": "name", "message": "2–120 characters"})
    try:
        email = normalise_email(email)
    except ValidationFailed:
        problems.append({"field": "email", "message": "an e-mail address"})
    if not today + timedelta(days=1) <= due_on <= today + timedelta(days=365):
        problems.append({"field": "due_on", "message": "between tomorrow and a year from now"})
    if len(note) > 1000:
        problems.append({"field": "note", "message": "at most 1,000 characters"})
    if problems:
        raise ValidationFailed("Check the highlighted fields", details=problems)
    waiting = session.exec(
        select(LetterRequest.id).where(
            LetterRequest.application_id == application_id,
            col(LetterRequest.revoked_at).is_(None),
            col(LetterRequest.declined_at).is_(None),
            col(LetterRequest.received_at).is_(None),
        )
    ).all()
    if len(waiting) >= MAX_OPEN_PER_APPLICATION:
        raise Conflict("This application already has five letters on their way.")
    row = LetterRequest(
        student_id=student_id,
        application_id=application_id,
        recommender_name=name,
        recommender_email=email,
        due_on=due_on,
        note=note.strip(),
        waived=waived,
        link_salt=secrets.token_hex(24),
        expires_at=datetime.combine(due_on + LINK_GRACE, time(0, 0), UTC),
    )
    session.add(row)
    session.flush()
    queued = mail.enqueue(
        session,
        key=f"letter:{row.id}:request",
        to=email,
        kind="letter_request",
        context=_context(session, row, upload_url),
    )
    return queued.id if queued is not None and queued.id is not None else 0


@use_case
def withdraw(session: Session, *, student_id: int, letter_id: int) -> None:
    row = _owned(session, student_id, letter_id)
    if row.received_at is None and row.revoked_at is None:
        row.revoked_at = utcnow()
        session.add(row)


def _owned(session: Session, student_id: int, letter_id: int) -> LetterRequest:
    return owned(
        session,
        LetterRequest,
        letter_id,
        owner_id=student_id,
        what="letter",
        owner_field="student_id",
    )


class LetterView(BaseModel):
    """One letter request as the student sees it."""

    model_config = ConfigDict(frozen=True)

    id: int
    application_id: int
    programme: str
    recommender: str
    email: str
    due: str
    status: str
    waived: bool
    reusable: bool
    filename: str
    used_for: list[str]
    can_withdraw: bool
    # Received and not waived: the student may open it.
    readable: bool


class ApplicationChoice(BaseModel):
    """A tracked application a letter can be asked for or attached to."""

    model_config = ConfigDict(frozen=True)

    application_id: int
    name: str


class LettersOverview(BaseModel):
    model_config = ConfigDict(frozen=True)

    letters: list[LetterView]
    applications: list[ApplicationChoice]


@use_case
def letters_overview(session: Session, *, student_id: int) -> LettersOverview:
    """The student's letters page: every request, and the applications to ask for."""
    return LettersOverview(
        letters=letters_for(session, student_id=student_id),
        applications=[
            ApplicationChoice(application_id=t.application.id or 0, name=t.scholarship.name)
            for t in applications.list_applications(session, user_id=student_id)
        ],
    )


def letters_for(session: Session, *, student_id: int) -> list[LetterView]:
    rows = session.exec(
        select(LetterRequest, Scholarship)
        .join(Application, col(Application.id) == LetterRequest.application_id)
        .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
        .where(LetterRequest.student_id == student_id)
        .order_by(col(LetterRequest.id).desc())
    ).all()
    uses: dict[int, list[str]] = {}
    for use, sch in session.exec(
        select(LetterUse, Scholarship)
        .join(Application, col(Application.id) == LetterUse.application_id)
        .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
        .where(col(LetterUse.letter_id).in_([r.id for r, _ in rows]))
    ):
        uses.setdefault(use.letter_id, []).append(sch.name)
    return [
        LetterView(
            id=r.id or 0,
            application_id=r.application_id,
            programme=s.name,
            recommender=r.recommender_name,
            email=r.recommender_email,
            due=r.due_on.strftime("%b %-d, %Y"),
            status=status_of(r),
            waived=r.waived,
            reusable=r.reusable and status_of(r) == "received",
            # A waived letter's name is the recommender's business too: the student sees that it
            # arrived, nothing of it.
            filename="" if r.waived else (r.filename or ""),
            used_for=uses.get(r.id or 0, []),
            can_withdraw=status_of(r) in ("requested", "opened"),
            readable=status_of(r) == "received" and not r.waived,
        )
        for r, s in rows
    ]


class Download(BaseModel):
    """A file handed to its reader: its name, type and bytes."""

    model_config = ConfigDict(frozen=True)

    filename: str
    content_type: str
    data: bytes


def read_letter(*, student_id: int, letter_id: int) -> Download:
    """The letter's bytes for the student — never when they waived access."""
    with session_scope() as session:
        row = _owned(session, student_id, letter_id)
        if row.waived or row.received_at is None or not row.storage_key:
            raise NotFound(
                "No letter to open here" + (" (you waived access)" if row.waived else "")
            )
        session.expunge(row)
    try:
        data = get_storage().get(row.storage_key or "")
    except BlobNotFound:
        raise NotFound("The letter's file is missing from storage") from None
    except StorageError as exc:
        raise Unavailable("Storage is unavailable; try again shortly") from exc
    return Download(
        filename=row.filename or "letter",
        content_type=row.content_type or "application/octet-stream",
        data=data,
    )


@use_case
def reuse(session: Session, *, student_id: int, letter_id: int, application_id: int) -> None:
    row = _owned(session, student_id, letter_id)
    if row.received_at is None or not row.reusable:
        raise ValidationFailed("The recommender did not allow this letter for other applications")
    app = owned(session, Application, application_id, owner_id=student_id, what="application")
    if app.id == row.application_id:
        return
    try:
        with session.begin_nested():
            session.add(LetterUse(letter_id=letter_id, application_id=application_id))
    except IntegrityError:
        pass  # already used there


# -- the recommender's side (no account: the signed link) --------------------------------------


def _by_link(session: Session, letter_id: int, token: str) -> LetterRequest:
    row = session.get(LetterRequest, letter_id) if 0 < letter_id < 2**31 else None
    if (
        row is None
        or len(token) != 64
        or not hmac.compare_digest(_token(row.link_salt), token)
        or row.revoked_at is not None
        or row.expires_at.astimezone(UTC) <= utcnow()
    ):
        raise NotFound(LINK_GONE)
    return row


@dataclass(frozen=True)
class LetterPage:
    student: str
    programme: str
    due: str
    note: str
    waived: bool
    status: str


def open_link(*, letter_id: int, token: str) -> LetterPage:
    """What the recommender sees; the first visit marks the request opened."""
    with session_scope() as session:
        row = _by_link(session, letter_id, token)
        if row.opened_at is None:
            row.opened_at = utcnow()
            session.add(row)
        ctx = _context(session, row, "")
        return LetterPage(
            student=str(ctx["student"]),
            programme=str(ctx["programme"]),
            due=str(ctx["due"]),
            note=row.note,
            waived=row.waived,
            status=status_of(row),
        )


def upload(
    *, letter_id: int, token: str, filename: str | None, data: bytes, reusable: bool
) -> None:
    """Store the letter (once): the vault's checks, then the bytes, then the row."""
    with session_scope() as session:
        row = _by_link(session, letter_id, token)
        if row.received_at is not None:
            raise Conflict("This letter has been received already. Thank you!")
        if row.declined_at is not None:
            raise Conflict("You told the student you cannot write this letter.")
        student_id = row.student_id
    documents.check_size(len(data))
    file_type = documents.classify(data)
    name = documents.display_name(filename, file_type)
    key = f"letters/{student_id}/{uuid.uuid4().hex}"
    try:
        get_storage().put(key, data, file_type.content_type)
    except StorageError as exc:
        raise Unavailable("We could not store the letter; please try again shortly") from exc
    try:
        with session_scope() as session:
            row = _by_link(session, letter_id, token)
            if row.received_at is not None:
                raise Conflict("This letter has been received already. Thank you!")
            row.received_at = utcnow()
            row.filename, row.content_type = name, file_type.content_type
            row.size_bytes, row.sha256 = len(data), hashlib.sha256(data).hexdigest()
            row.storage_key, row.reusable = key, reusable
            session.add(row)
            _tell_student(session, row, "received")
    except BaseException:
        try:
            get_storage().delete(key)
        except StorageError:
            log.warning("orphaned letter file left in storage", extra={"storage_key": key})
        raise


def decline(*, letter_id: int, token: str) -> None:
    with session_scope() as session:
        row = _by_link(session, letter_id, token)
        if row.received_at is None and row.declined_at is None:
            row.declined_at = utcnow()
            session.add(row)
            _tell_student(session, row, "declined")


def _tell_student(session: Session, row: LetterRequest, what: str) -> None:
    app = session.get(Application, row.application_id)
    sch = session.get(Scholarship, app.scholarship_id) if app else None
    programme = sch.name if sch else "your application"
    title = (
        f"{row.recommender_name}'s letter for {programme} has arrived"
        if what == "received"
        else f"{row.recommender_name} cannot write your letter for {programme}"
    )
    try:
        with session.begin_nested():
            session.add(
                Notification(
                    user_id=row.student_id,
                    dedupe_key=f"letter:{row.id}:{what}",
                    kind=f"letter_{what}",
                    title=title[:200],
                    body=(
                        "You waived access, so you will not see its content."
                        if row.waived and what == "received"
                        else "See it on your letters page."
                    ),
                    link="/letters",
                )
            )
    except IntegrityError:
        pass


def due_letter_reminders(session: Session, *, today: date, upload_url: str) -> int:
    """Remind recommenders 14, 7 and 2 days before the due date (the most recent threshold not
    yet sent, once; never after the due date). Returns the mails queued."""
    rows = session.exec(
        select(LetterRequest).where(
            col(LetterRequest.received_at).is_(None),
            col(LetterRequest.revoked_at).is_(None),
            col(LetterRequest.declined_at).is_(None),
            LetterRequest.due_on >= today,
        )
    ).all()
    queued = 0
    for row in rows:
        left = (row.due_on - today).days
        crossed = [t for t in REMINDER_DAYS if left <= t]
        if not crossed:
            continue
        threshold = min(crossed)
        keys = [f"letter:{row.id}:reminder:{t}" for t in REMINDER_DAYS if t <= threshold]
        if session.exec(
            select(OutboundMail.id).where(col(OutboundMail.idempotency_key).in_(keys))
        ).first():
            continue
        mail_row = mail.enqueue(
            session,
            key=f"letter:{row.id}:reminder:{threshold}",
            to=row.recommender_email,
            kind="letter_reminder",
            context={**_context(session, row, upload_url), "days": left},
        )
        queued += mail_row is not None
    return queued


def delete_all_for_student(*, student_id: int) -> int:
    """Remove the bytes of every letter of a student (account deletion; rows go with the rest)."""
    with session_scope() as session:
        keys = [
            r.storage_key
            for r in session.exec(
                select(LetterRequest).where(LetterRequest.student_id == student_id)
            )
            if r.storage_key
        ]
    for key in keys:
        try:
            get_storage().delete(key)
        except StorageError:
            log.warning("orphaned letter file left in storage", extra={"storage_key": key})
    return len(keys)
