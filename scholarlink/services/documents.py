"""The document vault: transcripts, résumés and letters a student keeps and attaches to
applications.

- A file's type is decided by its bytes (PDF, DOCX, PNG, JPEG), never by its name or the
  content type a browser declared.
- Uploads are all-or-nothing: the bytes are written first under a generated key, then the row is
  inserted; if the row fails the bytes are removed, if the bytes fail no row is written.
- Every function takes the acting student's id and answers NotFound for anyone else's document,
  exactly as for a document that does not exist.

Each database step is a use case (its own transaction unless handed the caller's); upload and
delete order the blob store around those transactions, so the bytes and the rows move together.
"""

from __future__ import annotations

import hashlib
import io
import logging
import re
import unicodedata
import uuid
import zipfile
from dataclasses import dataclass, field
from datetime import datetime

from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, func, select

from scholarlink.core.db import owned, use_case
from scholarlink.core.errors import NotFound, Unavailable, ValidationFailed
from scholarlink.core.settings import get_settings
from scholarlink.models import Application, ApplicationDocument, Document, Scholarship, User
from scholarlink.services.storage import BlobNotFound, StorageError, get_storage

log = logging.getLogger(__name__)

# -- types, by content --------------------------------------------------------------------------


# Types a browser can show by itself (everything else is only downloaded).
PREVIEWABLE = frozenset({"application/pdf", "image/png", "image/jpeg"})


@dataclass(frozen=True)
class FileType:
    key: str
    label: str
    content_type: str
    extensions: tuple[str, ...]  # the first is the canonical one


PDF = FileType("pdf", "PDF", "application/pdf", (".pdf",))
DOCX = FileType(
    "docx",
    "Word",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
PNG = FileType("png", "PNG image", "image/png", (".png",))
JPEG = FileType("jpeg", "JPEG image", "image/jpeg", (".jpg", ".jpeg"))
FILE_TYPES: tuple[FileType, ...] = (PDF, DOCX, PNG, JPEG)
_BY_CONTENT_TYPE = {t.content_type: t for t in FILE_TYPES}
# Extensions replaced (not kept) when they contradict the content: the accepted types and their
# usual look-alikes.
_TYPE_EXTENSIONS = {e for t in FILE_TYPES for e in t.extensions} | {".doc", ".jpe", ".gif"}

ACCEPTED_TEXT = "PDF, Word (.docx), PNG or JPEG"

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC = b"\xff\xd8\xff"
_PDF_MAGIC = b"%PDF-"
_ZIP_MAGIC = b"PK\x03\x04"


def _zip_names(data: bytes) -> set[str] | None:
    # Only the central directory is read: nothing is decompressed, so a zip bomb costs nothing.
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            return set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        return None


def detect_type(data: bytes) -> FileType | None:
    """The accepted type these bytes are, or None."""
    if data.startswith(_PDF_MAGIC):
        return PDF
    if data.startswith(_PNG_MAGIC):
        return PNG
    if data.startswith(_JPEG_MAGIC):
        return JPEG
    if data.startswith(_ZIP_MAGIC):
        names = _zip_names(data)
        if (
            names is not None
            and "word/document.xml" in names
            and "[Content_Types].xml" in names
            and "word/vbaProject.bin" not in names  # macro-enabled (.docm) is not a .docx
        ):
            return DOCX
    return None


def classify(data: bytes) -> FileType:
    """The file's type, or a ValidationFailed that says why it is refused."""
    found = detect_type(data)
    if found is not None:
        return found
    if data.startswith(_ZIP_MAGIC):
        names = _zip_names(data) or set()
        if "word/vbaProject.bin" in names:
            message = "Word documents with macros (.docm) are not accepted; save it as .docx."
        else:
            message = f"This archive is not a Word document. Upload a {ACCEPTED_TEXT} file."
    else:
        message = (
            f"Only {ACCEPTED_TEXT} files are accepted, and this file's content is none of "
            "them (whatever its name says)."
        )
    raise ValidationFailed(message, details=[{"field": "file", "message": message}])


def type_of(content_type: str) -> FileType:
    return _BY_CONTENT_TYPE.get(content_type, PDF)


# -- names --------------------------------------------------------------------------------------

MAX_NAME_LENGTH = 120
_WINDOWS_UNSAFE = re.compile(r'[<>:"|?*]')


def _split_ext(name: str) -> tuple[str, str]:
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem or not ext or len(ext) > 10 or not ext.isalnum():
        return name, ""
    return stem, "." + ext


def sanitize_filename(raw: str | None) -> str:
    """A name safe to show and to offer when saving: no folders, no control or invisible
    formatting characters (such as right-to-left overrides), at most 120 characters, the
    extension kept."""
    name = unicodedata.normalize("NFC", raw or "")
    name = re.split(r"[\\/]", name)[-1]  # "C:\Users\x\cv.pdf", "../../etc/passwd"
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _WINDOWS_UNSAFE.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if not name:
        return "document"
    stem, ext = _split_ext(name)
    stem = stem[: MAX_NAME_LENGTH - len(ext)].rstrip(" .")
    return (stem or "document") + ext


def display_name(raw: str | None, file_type: FileType) -> str:
    """The sanitised name with an extension that tells the truth about the content."""
    name = sanitize_filename(raw)
    stem, ext = _split_ext(name)
    if ext.lower() in file_type.extensions:
        return name
    if ext.lower() not in _TYPE_EXTENSIONS:
        stem = name  # "notes.final" holding a PDF becomes "notes.final.pdf"
    # "scan.png" holding a PDF becomes "scan.pdf"
    canonical = file_type.extensions[0]
    stem = stem[: MAX_NAME_LENGTH - len(canonical)].rstrip(" .") or "document"
    return stem + canonical


def human_size(size: int) -> str:
    value = float(size)
    for unit in ("B", "KB", "MB"):
        if value < 1024 or unit == "MB":
            if unit == "B":
                return f"{size} B"
            text = f"{value:.1f}".rstrip("0").rstrip(".")
            return f"{text} {unit}"
        value /= 1024
    raise AssertionError("unreachable")


# -- refusals -----------------------------------------------------------------------------------

KINDS: dict[str, str] = {
    "transcript": "Transcript",
    "resume": "Résumé",
    "letter": "Letter",
    "financial": "Financial form",
    "other": "Other",
}


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        message = "Choose what kind of document this is: " + ", ".join(KINDS.values()) + "."
        raise ValidationFailed(message, details=[{"field": "kind", "message": message}])
    return kind


def check_size(size: int) -> None:
    limit = get_settings().upload_max_bytes
    if size <= 0:
        message = "The file is empty."
    elif size > limit:
        message = f"This file is {human_size(size)}; the limit is {human_size(limit)} per file."
    else:
        return
    raise ValidationFailed(message, details=[{"field": "file", "message": message}])


def used_bytes(session: Session, user_id: int) -> int:
    total = session.exec(
        select(func.coalesce(func.sum(Document.size_bytes), 0)).where(Document.user_id == user_id)
    ).one()
    return int(total)


def _check_quota(session: Session, user_id: int, size: int) -> None:
    quota = get_settings().upload_quota_bytes
    used = used_bytes(session, user_id)
    if used + size > quota:
        message = (
            f"This file ({human_size(size)}) would take you over your {human_size(quota)} of "
            f"storage: you are using {human_size(used)}. Delete documents you no longer need "
            "first."
        )
        raise ValidationFailed(message, details=[{"field": "file", "message": message}])


def _check_name(raw: str) -> None:
    if not raw.strip():
        message = "Give the document a name."
        raise ValidationFailed(message, details=[{"field": "filename", "message": message}])


def _unavailable(action: str, exc: StorageError) -> Unavailable:
    log.warning("document storage failed", extra={"action": action, "error": str(exc)[:300]})
    return Unavailable(
        f"Document storage is unavailable right now, so we couldn't {action}. "
        "Nothing was changed; please try again in a moment."
    )


# -- reading ------------------------------------------------------------------------------------


class DocumentPublic(BaseModel):
    """A stored document as pages and routes see it (never its storage key's bytes)."""

    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    user_id: int
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    storage_key: str
    kind: str
    created_at: datetime


@dataclass
class DocumentEntry:
    document: DocumentPublic
    application_ids: list[int] = field(default_factory=list)

    @property
    def reuse_count(self) -> int:
        return len(self.application_ids)

    @property
    def file_type(self) -> FileType:
        return type_of(self.document.content_type)


def _owned(session: Session, user_id: int, document_id: int) -> Document:
    return owned(session, Document, document_id, owner_id=user_id, what="document")


def _owned_application(session: Session, user_id: int, application_id: int) -> Application:
    return owned(session, Application, application_id, owner_id=user_id, what="application")


@dataclass(frozen=True)
class ApplicationChoice:
    """One of the student's applications a document can be attached to."""

    id: int
    name: str


@use_case
def attachable_applications(session: Session, *, user_id: int) -> list[ApplicationChoice]:
    """The student's applications (by scholarship name), most recently changed first."""
    rows = session.exec(
        select(Application.id, Scholarship.name)
        .join(Scholarship, col(Scholarship.id) == Application.scholarship_id)
        .where(Application.user_id == user_id)
        .order_by(col(Application.updated_at).desc())
    ).all()
    return [ApplicationChoice(a or 0, n) for a, n in rows]


@use_case
def list_documents(session: Session, *, user_id: int) -> list[DocumentEntry]:
    """The student's documents, newest first, each with the applications it is attached to."""
    docs = session.exec(
        select(Document)
        .where(Document.user_id == user_id)
        .order_by(col(Document.created_at).desc(), col(Document.id).desc())
    ).all()
    links = session.exec(
        select(ApplicationDocument.document_id, ApplicationDocument.application_id)
        .join(Document, col(Document.id) == ApplicationDocument.document_id)
        .where(Document.user_id == user_id)
        .order_by(col(ApplicationDocument.created_at))
    ).all()
    used: dict[int, list[int]] = {}
    for document_id, application_id in links:
        used.setdefault(document_id, []).append(application_id)
    return [DocumentEntry(DocumentPublic.model_validate(d), used.get(d.id or 0, [])) for d in docs]


@use_case
def get_document(session: Session, *, user_id: int, document_id: int) -> DocumentPublic:
    return DocumentPublic.model_validate(_owned(session, user_id, document_id))


@use_case
def storage_usage(session: Session, *, user_id: int) -> tuple[int, int]:
    """(bytes used, quota in bytes)."""
    return used_bytes(session, user_id), get_settings().upload_quota_bytes


def read(*, user_id: int, document_id: int) -> tuple[DocumentPublic, bytes]:
    """The document and its bytes, checked against the digest taken at upload."""
    doc = get_document(user_id=user_id, document_id=document_id)
    try:
        data = get_storage().get(doc.storage_key)
    except BlobNotFound:
        log.warning("document file missing", extra={"document_id": doc.id})
        raise NotFound(
            "This document's file is missing from storage; delete it and upload it again."
        ) from None
    except StorageError as exc:
        raise _unavailable("read the document", exc) from exc
    if hashlib.sha256(data).hexdigest() != doc.sha256:
        log.warning("document file changed since upload", extra={"document_id": doc.id})
        raise Unavailable("This document's stored file is damaged; delete it and upload it again.")
    return doc, data


def download_url(*, user_id: int, document_id: int, ttl: int = 300) -> str | None:
    """A short-lived direct URL to the file (signed, GCS), or None when the app must stream it."""
    doc = get_document(user_id=user_id, document_id=document_id)
    try:
        return get_storage().download_url(doc.storage_key, doc.filename, ttl)
    except StorageError as exc:
        raise _unavailable("prepare the download", exc) from exc


@use_case
def reuse_count(session: Session, *, user_id: int, document_id: int) -> int:
    """How many of the student's applications use this document."""
    _owned(session, user_id, document_id)
    count = session.exec(
        select(func.count())
        .select_from(ApplicationDocument)
        .where(ApplicationDocument.document_id == document_id)
    ).one()
    return int(count)


@use_case
def documents_for_application(
    session: Session, *, user_id: int, application_id: int
) -> list[DocumentPublic]:
    _owned_application(session, user_id, application_id)
    return [
        DocumentPublic.model_validate(d)
        for d in session.exec(
            select(Document)
            .join(ApplicationDocument, col(ApplicationDocument.document_id) == Document.id)
            .where(
                ApplicationDocument.application_id == application_id,
                Document.user_id == user_id,
            )
            .order_by(col(Document.filename))
        ).all()
    ]


# -- changing -----------------------------------------------------------------------------------


def new_key(user_id: int) -> str:
    return f"documents/{user_id}/{uuid.uuid4().hex}"


@use_case
def _check_upload(session: Session, *, user_id: int, size: int) -> None:
    """Refuse early, before any bytes are written."""
    if session.get(User, user_id) is None:
        raise NotFound("No such student")
    _check_quota(session, user_id, size)


@use_case
def _insert(
    session: Session,
    *,
    user_id: int,
    name: str,
    file_type: FileType,
    data: bytes,
    key: str,
    kind: str,
) -> DocumentPublic:
    # Serialise this student's uploads so two at once cannot both squeeze under the quota
    # (PostgreSQL row lock; SQLite transactions already take the write lock at BEGIN).
    session.exec(select(User.id).where(User.id == user_id).with_for_update()).one()
    _check_quota(session, user_id, len(data))
    doc = Document(
        user_id=user_id,
        filename=name,
        content_type=file_type.content_type,
        size_bytes=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        storage_key=key,
        kind=kind,
    )
    session.add(doc)
    session.flush()
    return DocumentPublic.model_validate(doc)


def upload(
    *, user_id: int, filename: str | None, data: bytes, kind: str = "other"
) -> DocumentPublic:
    """Store a new document: refused whole (nothing stored) or stored whole (bytes and row)."""
    check_kind(kind)
    check_size(len(data))
    file_type = classify(data)
    name = display_name(filename, file_type)
    _check_upload(user_id=user_id, size=len(data))

    key = new_key(user_id)
    try:
        storage = get_storage()
    except StorageError as exc:
        raise _unavailable("store the file", exc) from exc
    try:
        storage.put(key, data, file_type.content_type)
    except StorageError as exc:
        # A write whose answer was lost (a timeout) may still have landed: remove it too.
        _discard(storage_key=key)
        raise _unavailable("store the file", exc) from exc

    try:
        stored = _insert(
            user_id=user_id, name=name, file_type=file_type, data=data, key=key, kind=kind
        )
    except BaseException:
        _discard(storage_key=key)
        raise
    return stored


def _discard(*, storage_key: str) -> None:
    """Remove bytes no row refers to; a failure leaves an orphan an operator can find by key."""
    try:
        get_storage().delete(storage_key)
    except StorageError as exc:
        log.warning(
            "orphaned document file left in storage",
            extra={"storage_key": storage_key, "error": str(exc)[:300]},
        )


@use_case
def rename(session: Session, *, user_id: int, document_id: int, filename: str) -> DocumentPublic:
    _check_name(filename)
    doc = _owned(session, user_id, document_id)
    doc.filename = display_name(filename, type_of(doc.content_type))
    session.add(doc)
    session.flush()
    return DocumentPublic.model_validate(doc)


@use_case
def set_kind(session: Session, *, user_id: int, document_id: int, kind: str) -> DocumentPublic:
    check_kind(kind)
    doc = _owned(session, user_id, document_id)
    doc.kind = kind
    session.add(doc)
    session.flush()
    return DocumentPublic.model_validate(doc)


@use_case
def _delete_row(session: Session, *, user_id: int, document_id: int) -> str:
    """Delete the row (its attachments cascade); returns the storage key of its bytes."""
    doc = _owned(session, user_id, document_id)
    key = doc.storage_key
    session.delete(doc)
    session.flush()
    return key


def delete(*, user_id: int, document_id: int) -> None:
    """Delete the row (and its attachments), then the bytes. The bytes go only after the commit,
    so a failed delete never leaves a row without its file; an already missing file is fine."""
    _discard(storage_key=_delete_row(user_id=user_id, document_id=document_id))


@use_case
def _delete_rows_of(session: Session, *, user_id: int) -> list[str]:
    rows = session.exec(select(Document).where(Document.user_id == user_id)).all()
    keys = [d.storage_key for d in rows]
    for doc in rows:
        session.delete(doc)
    session.flush()
    return keys


def delete_all_for_student(*, user_id: int) -> int:
    """Delete every document of a student (account deletion): rows first, then the bytes.
    Call it before deleting the user, whose row cascade would otherwise orphan the files."""
    keys = _delete_rows_of(user_id=user_id)
    for key in keys:
        _discard(storage_key=key)
    return len(keys)


@use_case
def attach(session: Session, *, user_id: int, document_id: int, application_id: int) -> bool:
    """Attach the document to the application; False when it already was."""
    _owned(session, user_id, document_id)
    _owned_application(session, user_id, application_id)
    if session.get(ApplicationDocument, (application_id, document_id)) is not None:
        return False
    try:
        with session.begin_nested():
            session.add(ApplicationDocument(application_id=application_id, document_id=document_id))
    except IntegrityError:  # attached concurrently
        return False
    return True


@use_case
def detach(session: Session, *, user_id: int, document_id: int, application_id: int) -> bool:
    """Detach the document from the application; False when it was not attached."""
    _owned(session, user_id, document_id)
    _owned_application(session, user_id, application_id)
    link = session.get(ApplicationDocument, (application_id, document_id))
    if link is None:
        return False
    session.delete(link)
    session.flush()
    return True
