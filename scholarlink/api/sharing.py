"""Downloads for people other than the document's owner: a document a student shared with a
parent or counsellor, and a recommendation letter for the student who asked for it (never a
waived one). Each read is checked by the service on every request (and shared reads logged)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from scholarlink.api.deps import RowId, current_student
from scholarlink.api.documents import SAFE_HEADERS as _SAFE_HEADERS
from scholarlink.api.errors import ErrorBody, unauthorized
from scholarlink.services import letters, sharing
from scholarlink.services.storage import attachment_disposition

router = APIRouter(tags=["sharing"])
_RESPONSES: dict[int | str, dict[str, object]] = {
    200: {"description": "The file, as an attachment"},
    401: {"description": "Not signed in", "model": ErrorBody},
    404: {"description": "Nothing of this kind for you", "model": ErrorBody},
}


@router.get("/api/shared/{grant_id}/documents/{document_id}", responses=_RESPONSES)
def shared_document(grant_id: RowId, document_id: RowId, request: Request) -> Response:
    """A document the student shared with you."""
    viewer_id = current_student(request)
    if viewer_id is None:
        return unauthorized("Sign in to open shared documents.", headers=_SAFE_HEADERS)
    file = sharing.shared_document(viewer_id=viewer_id, grant_id=grant_id, document_id=document_id)
    headers = {**_SAFE_HEADERS, "Content-Disposition": attachment_disposition(file.filename)}
    return Response(content=file.data, media_type=file.content_type, headers=headers)


@router.get("/api/letters/{letter_id}/download", responses=_RESPONSES)
def letter_download(letter_id: RowId, request: Request) -> Response:
    """Your recommendation letter, unless you waived access to it."""
    student_id = current_student(request)
    if student_id is None:
        return unauthorized("Sign in to open your letters.", headers=_SAFE_HEADERS)
    file = letters.read_letter(student_id=student_id, letter_id=letter_id)
    headers = {**_SAFE_HEADERS, "Content-Disposition": attachment_disposition(file.filename)}
    return Response(content=file.data, media_type=file.content_type, headers=headers)
