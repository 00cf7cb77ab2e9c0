"""Local accounts and server-side sessions."""

from datetime import timedelta

import pytest

from scholarlink.db import session_scope
from scholarlink.models import UserSession, utcnow
from scholarlink.services import auth
from scholarlink.services.errors import Conflict, ValidationFailed


def _sign_up(email: str = "ada@example.org") -> auth.SessionGrant:
    with session_scope() as s:
        return auth.sign_up(s, email=email, password="correct horse 42", display_name="Ada")


def test_sign_up_sign_in_and_sessions(db: str) -> None:
    grant = _sign_up()
    with session_scope() as s:
        assert auth.resolve(s, grant.token) == grant.user_id
        assert auth.resolve(s, "forged") is None
        assert auth.resolve(s, None) is None
    second = auth.sign_in(email="ADA@example.org", password="correct horse 42")
    assert second.user_id == grant.user_id and second.token != grant.token
    with session_scope() as s:
        assert len(auth.active_sessions(s, user_id=grant.user_id)) == 2
        auth.end_session(s, grant.token)
    with session_scope() as s:
        assert auth.resolve(s, grant.token) is None
        assert auth.resolve(s, second.token) == grant.user_id
        assert auth.end_all_sessions(s, user_id=grant.user_id) == 1
    with session_scope() as s:
        assert auth.resolve(s, second.token) is None


def test_duplicate_and_weak_sign_up_are_refused(db: str) -> None:
    _sign_up()
    with pytest.raises(Conflict), session_scope() as s:
        auth.sign_up(s, email="ada@example.org", password="another pass 99")
    with pytest.raises(ValidationFailed), session_scope() as s:
        auth.sign_up(s, email="bob@example.org", password="short")


def test_expired_session_is_refused(db: str) -> None:
    grant = _sign_up()
    with session_scope() as s:
        row = s.exec(__import__("sqlmodel").select(UserSession)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        s.add(row)
    with session_scope() as s:
        assert auth.resolve(s, grant.token) is None


def test_lockout_after_repeated_failures(db: str) -> None:
    _sign_up()
    for _ in range(5):
        with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
            auth.sign_in(email="ada@example.org", password="wrong password 1")
    with pytest.raises(auth.LockedOut, match="Try again in 15 minutes"):
        auth.sign_in(email="ada@example.org", password="correct horse 42")


def test_unknown_address_gets_the_same_error(db: str) -> None:
    with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
        auth.sign_in(email="nobody@example.org", password="whatever 123")
    with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
        auth.sign_in(email="not an email", password="whatever 123")
