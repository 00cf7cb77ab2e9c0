"""One-click unsubscribe (RFC 8058) from the links in ScholarLink's e-mail.

Every mail a student can opt out of carries `List-Unsubscribe: <…/api/mail/unsubscribe?u=&c=&t=>`
and `List-Unsubscribe-Post: List-Unsubscribe=One-Click`. A mail client POSTs to that URL and the
kind of mail is switched off at once (the link is signed for one student and one kind). A GET —
a person following the link, or a mail scanner — changes nothing: it shows a page with the
button that POSTs.
"""

from __future__ import annotations

import html
from typing import Annotated

from fastapi import APIRouter, Form, Query
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, JSONResponse

from scholarlink.api.errors import error_responses
from scholarlink.services import mail

router = APIRouter(tags=["mail"])
PATH = "/api/mail/unsubscribe"
Student = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]
Category = Annotated[str, Query(min_length=1, max_length=40, pattern=r"^[a-z_]+$")]
Token = Annotated[str, Query(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


def _page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<meta name='viewport' content='width=device-width'>"
        f"<title>{html.escape(title)} · ScholarLink</title></head>"
        "<body style='font-family:system-ui,sans-serif;max-width:36rem;margin:3rem auto;"
        f"padding:0 1rem;line-height:1.5'><h1>{html.escape(title)}</h1>{body}</body></html>",
        status_code=status,
        headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


@router.get(
    PATH,
    summary="The page an unsubscribe link opens (changes nothing by itself)",
    response_class=HTMLResponse,
    responses={
        400: {
            "description": "The link names no kind of mail we send (an HTML page)",
            "content": {"text/html": {}},
        },
    },
)
def unsubscribe_page(u: Student, c: Category, t: Token) -> HTMLResponse:
    if c not in mail.CATEGORIES:
        return _page("This link is not valid", "<p>It names no kind of mail we send.</p>", 400)
    what = html.escape(mail.CATEGORIES[c])
    query = html.escape(f"?u={u}&c={c}&t={t}")
    return _page(
        "Unsubscribe",
        f"<p>Stop these e-mails: <strong>{what}</strong>?</p>"
        f"<form method='post' action='{PATH}{query}'>"
        "<input type='hidden' name='List-Unsubscribe' value='One-Click'>"
        "<button type='submit' style='font-size:1rem;padding:.5rem 1rem'>Unsubscribe</button>"
        "</form><p>You can change every kind of mail in your notification settings.</p>",
    )


@router.post(
    PATH,
    summary="One-click unsubscribe (RFC 8058): switches one kind of mail off",
    responses=error_responses(404),
)
async def unsubscribe(
    u: Student,
    c: Category,
    t: Token,
    one_click: Annotated[str, Form(alias="List-Unsubscribe", max_length=20)] = "One-Click",
) -> JSONResponse:
    what = await run_in_threadpool(lambda: mail.unsubscribe(public_id=u, category=c, token=t))
    return JSONResponse({"unsubscribed": c, "description": what})
