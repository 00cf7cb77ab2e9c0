"""Downloading a stored document: for its owner only, signed in with the browser session."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from scholarlink.api.deps import RowId, current_student
from scholarlink.api.errors import ErrorBody, unauthorized
from scholarlink.services import documents as docs
from scholarlink.services.storage import attachment_disposition

SIGNED_URL_TTL_SECONDS = 300

router = APIRouter(prefix="/api/documents", tags=["documents"])

# Never let a browser guess a different type, render the file as part of the app, or cache it.
SAFE_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
    "Referrer-Policy": "no-referrer",
}


@router.get(
    "/{document_id}/download",
    responses={
        200: {"description": "The file, as an attachment"},
        302: {"description": "A short-lived signed storage URL (Google Cloud Storage)"},
        401: {"description": "Not signed in", "model": ErrorBody},
        404: {"description": "No such document for this student", "model": ErrorBody},
    },
)
def download_document(document_id: RowId, request: Request, preview: bool = False) -> Response:
    """The file as an attachment, or with `preview=true` shown in the browser when it is a PDF or
    an image (types verified by content at upload)."""
    user_id = current_student(request)
    if user_id is None:
        return unauthorized("Sign in to download documents.", headers=SAFE_HEADERS)
    # Ownership is checked before any URL or byte leaves the store (NotFound -> 404).
    url = docs.download_url(user_id=user_id, document_id=document_id, ttl=SIGNED_URL_TTL_SECONDS)
    if url is not None:
        return RedirectResponse(url, status_code=302, headers=SAFE_HEADERS)
    doc, data = docs.read(user_id=user_id, document_id=document_id)
    inline = preview and doc.content_type in docs.PREVIEWABLE
    headers = dict(SAFE_HEADERS)
    if inline and doc.content_type == "application/pdf":
        # The browser's PDF viewer cannot run inside a sandboxed document.
        headers.pop("Content-Security-Policy")
    headers["Content-Disposition"] = attachment_disposition(doc.filename, inline=inline)
    return Response(content=data, media_type=doc.content_type, headers=headers)
