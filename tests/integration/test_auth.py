"""Local accounts and server-side sessions."""

from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.core.errors import ValidationFailed
from scholarlink.models import LoginTicket, OutboundMail, SignUpRequest, User, UserSession, utcnow
from scholarlink.services import auth, throttle
from scholarlink.services.throttle import Throttled
from tests.support import accounts


def _sign_up(email: str = "ada@example.org") -> auth.SessionGrant:
    return accounts.student(email, display_name="Ada")


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


def test_weak_sign_up_is_refused_and_sends_nothing(db: str) -> None:
    with pytest.raises(ValidationFailed):
        accounts.request("bob@example.org", password="short")
    with pytest.raises(ValidationFailed):
        accounts.request("not an address")
    with session_scope() as s:
        assert s.exec(select(OutboundMail)).all() == []
        assert s.exec(select(SignUpRequest)).all() == []


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


def test_sign_up_is_throttled_per_client_and_per_address(db: str) -> None:
    for n in range(throttle.SIGN_UP_CLIENT.tiers[0].amount):
        accounts.request(f"new{n}@example.org", client="c1")
    with pytest.raises(Throttled):
        accounts.request("new99@example.org", client="c1")
    # Mail to one address is limited whoever asks (no mail-bombing through the form).
    for n in range(throttle.SIGN_UP_ADDRESS.tiers[0].amount):
        accounts.request("target@example.org", client=f"10.1.0.{n}")
    with pytest.raises(Throttled):
        accounts.request("target@example.org", client="10.1.0.99")


@pytest.mark.parametrize(
    "weak", ["password12", "qwerty12345", "ada@example.org1", "Scholarship2026"]
)
def test_common_and_weak_passwords_are_refused(db: str, weak: str) -> None:
    with pytest.raises(ValidationFailed, match="common or easily guessed"):
        accounts.request("ada@example.org", password=weak)


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


def test_sign_up_answers_alike_for_new_and_existing_addresses(db: str) -> None:
    """The form never says whether an address has an account: both get "check your inbox" and a
    mail; only the mail differs, and only the address's owner reads it."""
    existing = _sign_up("ada@example.org")
    assert accounts.request("ada@example.org", password="another pass 99") is None
    assert accounts.request("new@example.org") is None
    with session_scope() as s:
        mails = {m.to_address: m for m in s.exec(select(OutboundMail))}
        users = s.exec(select(User).where(User.email == "ada@example.org")).all()
    assert mails["ada@example.org"].kind == "account_exists"
    assert "you already have one" in " ".join(mails["ada@example.org"].text_body.split())
    assert mails["new@example.org"].kind == "confirm_sign_up"
    # Nothing about the existing account changed: same user, same password.
    assert [u.id for u in users] == [existing.user_id]
    assert (
        auth.sign_in(email="ada@example.org", password="correct horse 42").user_id
        == existing.user_id
    )
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(email="ada@example.org", password="another pass 99")
    # No account exists for the new address until its link is used.
    with pytest.raises(auth.SignInFailed):
        auth.sign_in(email="new@example.org", password="correct horse 42")


def test_a_confirmation_link_creates_the_account_once(db: str) -> None:
    accounts.request("new@example.org", display_name="Nia")
    token = accounts.confirmation_token("new@example.org")
    with session_scope() as s:
        user_id = auth.confirm_sign_up(s, token=token)
    with pytest.raises(ValidationFailed, match="expired or was used"), session_scope() as s:
        auth.confirm_sign_up(s, token=token)
    with pytest.raises(ValidationFailed), session_scope() as s:
        auth.confirm_sign_up(s, token="forged-token")
    assert auth.sign_in(email="new@example.org", password="correct horse 42").user_id == user_id
    with session_scope() as s:
        user = s.get(User, user_id)
        assert user is not None and user.display_name == "Nia"
        # The password was hashed when the form was sent; no plaintext is stored anywhere.
        assert all(
            "correct horse" not in (r.password_hash or "") for r in s.exec(select(SignUpRequest))
        )


def test_an_expired_link_and_a_second_request_for_a_confirmed_address(db: str) -> None:
    accounts.request("late@example.org")
    first = accounts.confirmation_token("late@example.org")
    with session_scope() as s:
        for row in s.exec(select(SignUpRequest)):
            row.expires_at = utcnow() - timedelta(seconds=1)
            s.add(row)
    with pytest.raises(ValidationFailed), session_scope() as s:
        auth.confirm_sign_up(s, token=first)
    # Two requests, both links mailed: the first used wins, the other is spent.
    accounts.request("twice@example.org", client="a")
    one = accounts.confirmation_token("twice@example.org")
    with session_scope() as s:
        s.exec(sa.delete(OutboundMail))  # type: ignore[call-overload]
    accounts.request("twice@example.org", client="b")
    two = accounts.confirmation_token("twice@example.org")
    with session_scope() as s:
        auth.confirm_sign_up(s, token=two)
    with pytest.raises(ValidationFailed), session_scope() as s:
        auth.confirm_sign_up(s, token=one)


def test_whoami_answers_each_event_in_one_query_and_refuses_what_resolve_refuses(db: str) -> None:
    """The websocket asks `whoami` on every event: one SELECT (session, user, unread count), and
    the same refusals as `resolve_key` (unknown, revoked, expired, deactivated)."""
    from scholarlink.core.db import get_engine
    from scholarlink.models import Notification

    grant = _sign_up()
    key = auth.session_key(grant.token)
    with session_scope() as s:
        for i in range(3):
            s.add(Notification(user_id=grant.user_id, dedupe_key=f"t{i}", kind="test", title="t"))
        s.flush()
        s.exec(
            sa.update(Notification).where(Notification.dedupe_key == "t0").values(read_at=utcnow())
        )  # type: ignore[arg-type]

    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:  # type: ignore[no-untyped-def]
        statements.append(statement)

    sa.event.listen(get_engine(), "before_cursor_execute", count)
    try:
        me = auth.whoami(key=key)
    finally:
        sa.event.remove(get_engine(), "before_cursor_execute", count)
    assert me is not None and me.user_id == grant.user_id and me.unread == 2
    selects = [q for q in statements if q.lstrip().upper().startswith("SELECT")]
    assert len(selects) == 1, statements

    assert auth.whoami(key="0" * 64) is None and auth.whoami(key=None) is None
    assert auth.whoami(key="short") is None
    with session_scope() as s:
        s.exec(
            sa.update(UserSession)
            .where(UserSession.token_hash == key)
            .values(expires_at=utcnow() - timedelta(seconds=1))
        )  # type: ignore[arg-type]
    assert auth.whoami(key=key) is None
    with session_scope() as s:
        s.exec(
            sa.update(UserSession)
            .where(UserSession.token_hash == key)
            .values(expires_at=utcnow() + timedelta(hours=1))
        )  # type: ignore[arg-type]
    assert auth.whoami(key=key) is not None
    with session_scope() as s:
        s.exec(sa.update(User).where(User.id == grant.user_id).values(is_active=False))  # type: ignore[arg-type]
    assert auth.whoami(key=key) is None
    with session_scope() as s:
        s.exec(sa.update(User).where(User.id == grant.user_id).values(is_active=True))  # type: ignore[arg-type]
        s.exec(
            sa.update(UserSession).where(UserSession.token_hash == key).values(revoked_at=utcnow())
        )  # type: ignore[arg-type]
    assert auth.whoami(key=key) is None
