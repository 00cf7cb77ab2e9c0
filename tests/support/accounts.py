"""New students the way a person makes one: the sign-up form's request, then the link in the
confirmation mail (read back from the outbox, where the real mail is written)."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

from sqlmodel import col, select

from scholarlink.core.db import session_scope
from scholarlink.models import OutboundMail
from scholarlink.services import auth

PASSWORD = "correct horse 42"
BASE = "http://127.0.0.1:3000"


def confirmation_token(email: str) -> str:
    """The token of the newest confirmation link mailed to `email`."""
    with session_scope() as s:
        row = s.exec(
            select(OutboundMail)
            .where(
                OutboundMail.to_address == email.strip().lower(),
                OutboundMail.kind == "confirm_sign_up",
            )
            .order_by(col(OutboundMail.id).desc())
        ).first()
        assert row is not None, f"no confirmation mail to {email}"
        return token_in(row.text_body)


def token_in(text: str) -> str:
    link = re.search(r"https?://\S+/sign-up/confirm\?\S+", text)
    assert link, "no confirmation link in the mail"
    return parse_qs(urlparse(link.group()).query)["token"][0]


def request(email: str, password: str = PASSWORD, display_name: str = "", client: str = "") -> None:
    auth.request_sign_up(
        email=email,
        password=password,
        display_name=display_name,
        client=client,
        confirm_url=BASE + "/sign-up/confirm",
        sign_in_url=BASE + "/sign-in",
    )


def student(
    email: str, password: str = PASSWORD, display_name: str = "", client: str = ""
) -> auth.SessionGrant:
    """Sign up, confirm by the mailed link, and start a session."""
    request(email, password, display_name, client)
    token = confirmation_token(email)
    with session_scope() as s:
        user_id = auth.confirm_sign_up(s, token=token)
        return auth.start_session(s, user_id=user_id)
