"""Sign in with Scholar Auth against a real OpenID Connect provider (npm oidc-provider)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlmodel import select

from scholarlink.core.db import session_scope
from scholarlink.core.errors import Unavailable
from scholarlink.core.settings import reset_settings_cache
from scholarlink.models import AuthIdentity, User
from scholarlink.services import oidc
from tests.support.oidc_provider import CLIENT_ID, CLIENT_SECRET, oidc_provider, sign_in_at_provider

REDIRECT = "http://127.0.0.1:3999/auth/callback"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with oidc_provider(REDIRECT) as url:
        yield url


@pytest.fixture
def configured(db: str, issuer: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("OIDC_ISSUER", issuer)
    monkeypatch.setenv("OIDC_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("OIDC_CLIENT_SECRET", CLIENT_SECRET)
    monkeypatch.delenv("OIDC_FALLBACK_ISSUER", raising=False)
    reset_settings_cache()
    yield issuer
    for var in ("OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_FALLBACK_ISSUER"):
        monkeypatch.delenv(var, raising=False)
    reset_settings_cache()


def _sign_in(login: str) -> tuple[oidc.VerifiedIdentity, dict]:
    url, pending = oidc.begin(redirect_uri=REDIRECT)
    assert "code_challenge_method=S256" in url and "nonce=" in url and "state=" in url
    params = sign_in_at_provider(url, REDIRECT, login)
    return oidc.complete(pending.as_dict(), params), pending.as_dict()


def test_code_flow_with_pkce_links_one_user(configured: str) -> None:
    identity, _ = _sign_in("ada")
    assert (
        identity.subject == "ada"
        and identity.email == "ada@scholar-auth.test"
        and identity.email_verified
    )
    assert identity.refresh_token
    with session_scope() as s:
        first = oidc.link(s, identity)
    again, _ = _sign_in("ada")
    with session_scope() as s:
        assert oidc.link(s, again) == first
        assert len(s.exec(select(AuthIdentity)).all()) == 1
        assert s.get(User, first).email == "ada@scholar-auth.test"  # type: ignore[union-attr]


def test_refresh_token_rotates_and_reuse_is_refused(configured: str) -> None:
    identity, _ = _sign_in("rotor")
    with session_scope() as s:
        oidc.link(s, identity)
        row = s.exec(select(AuthIdentity)).one()
        old = row.refresh_token
        identity_id = row.id
    with session_scope() as s:
        assert oidc.refresh(s, identity_id)
    with session_scope() as s:
        new = s.get(AuthIdentity, identity_id).refresh_token  # type: ignore[union-attr]
        assert new and new != old
        # Presenting the rotated-out token again is refused by the issuer (reuse detection).
        row = s.get(AuthIdentity, identity_id)
        row.refresh_token = old  # type: ignore[union-attr]
        s.add(row)
    with pytest.raises(oidc.SignInRefused), session_scope() as s:
        oidc.refresh(s, identity_id)


@pytest.mark.parametrize(
    "tamper,message",
    [
        (lambda p, q: q.update(state="forged"), "did not match this browser"),
        (lambda p, q: p.update(created=0), "took too long"),
        (lambda p, q: q.update(iss="http://evil.example"), "another issuer"),
        (lambda p, q: p.update(nonce="other-nonce"), "refused the sign-in"),
        (lambda p, q: p.update(code_verifier="x" * 64), "refused the sign-in"),
    ],
)
def test_tampered_callbacks_are_refused(configured: str, tamper, message: str) -> None:
    url, pending = oidc.begin(redirect_uri=REDIRECT)
    params = sign_in_at_provider(url, REDIRECT, "mallory")
    stored = pending.as_dict()
    tamper(stored, params)
    with pytest.raises(oidc.SignInRefused, match=message):
        oidc.complete(stored, params)
    with session_scope() as s:
        assert s.exec(select(AuthIdentity)).all() == []


def test_fallback_issuer_used_when_primary_is_down(
    configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:1")
    monkeypatch.setenv("OIDC_FALLBACK_ISSUER", configured)
    reset_settings_cache()
    identity, _ = _sign_in("fallback-user")
    assert identity.issuer == configured


def test_both_issuers_down_is_a_clear_error(
    configured: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OIDC_ISSUER", "http://127.0.0.1:1")
    monkeypatch.setenv("OIDC_FALLBACK_ISSUER", "http://127.0.0.1:2")
    reset_settings_cache()
    with pytest.raises(Unavailable, match="Scholar Auth is unavailable"):
        oidc.begin(redirect_uri=REDIRECT)
