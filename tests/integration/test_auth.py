"""Local accounts and server-side sessions."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from scholarlink.db import session_scope
from scholarlink.models import LoginTicket, UserSession, utcnow
from scholarlink.services import auth, throttle
from scholarlink.services.errors import Conflict, ValidationFailed
from scholarlink.services.throttle import Throttled


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


def test_wrong_passwords_slow_the_guesser_not_the_owner(db: str) -> None:
    _sign_up()
    for _ in range(5):
        with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
            auth.sign_in(email="ada@example.org", password="wrong password 1", client="10.0.0.66")
    # The guessing client waits (a minute, not a 15-minute lockout) …
    with pytest.raises(Throttled) as refused:
        auth.sign_in(email="ada@example.org", password="correct horse 42", client="10.0.0.66")
    assert 0 < refused.value.retry_after <= 60
    # … while the owner on their own device signs in at once.
    grant = auth.sign_in(email="ada@example.org", password="correct horse 42", client="10.0.0.7")
    assert grant.user_id


def test_one_client_cannot_spray_passwords_across_accounts(db: str) -> None:
    for n in range(throttle.SIGN_IN_CLIENT.tiers[0].amount):
        with pytest.raises(auth.SignInFailed):
            auth.sign_in(email=f"s{n}@example.org", password="Summer2026!", client="10.0.0.66")
    with pytest.raises(Throttled):
        auth.sign_in(email="s99@example.org", password="Summer2026!", client="10.0.0.66")
    with pytest.raises(auth.SignInFailed):  # another client is unaffected
        auth.sign_in(email="s99@example.org", password="Summer2026!", client="10.0.0.8")


def test_sign_up_is_throttled_per_client(db: str) -> None:
    for n in range(throttle.SIGN_UP_CLIENT.tiers[0].amount):
        with session_scope() as s:
            auth.sign_up(s, email=f"new{n}@example.org", password="correct horse 42", client="c1")
    with pytest.raises(Throttled), session_scope() as s:
        auth.sign_up(s, email="new9@example.org", password="correct horse 42", client="c1")


@pytest.mark.parametrize(
    "weak", ["password12", "qwerty12345", "ada@example.org1", "Scholarship2026"]
)
def test_common_and_weak_passwords_are_refused(db: str, weak: str) -> None:
    with pytest.raises(ValidationFailed, match="common or easily guessed"), session_scope() as s:
        auth.sign_up(s, email="ada@example.org", password=weak)


def test_a_ticket_is_redeemed_once_and_expires(db: str) -> None:
    grant = _sign_up()
    with session_scope() as s:
        ticket = auth.issue_ticket(s, user_id=grant.user_id)
        stale = auth.issue_ticket(s, user_id=grant.user_id)
        s.exec(
            sa.update(LoginTicket)
            .where(LoginTicket.ticket_hash == auth.session_key(stale))  # type: ignore[arg-type]
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )
    first = auth.redeem_ticket(ticket=ticket)
    assert first is not None and first.user_id == grant.user_id
    assert auth.redeem_ticket(ticket=ticket) is None
    assert auth.redeem_ticket(ticket=stale) is None
    assert auth.redeem_ticket(ticket="x" * 300) is None
    with session_scope() as s:
        assert auth.resolve_key(s, auth.session_key(first.token)) == grant.user_id
        assert auth.resolve_key(s, "0" * 64) is None


def test_unknown_address_gets_the_same_error(db: str) -> None:
    with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
        auth.sign_in(email="nobody@example.org", password="whatever 123")
    with pytest.raises(auth.SignInFailed, match="Wrong e-mail or password"):
        auth.sign_in(email="not an email", password="whatever 123")
