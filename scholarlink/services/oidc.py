"""Sign in with Scholar Auth (OpenID Connect): authorization code + PKCE S256 through authlib,
state and nonce checked, ID token verified against the issuer's keys, refresh-token rotation,
and a fallback issuer used automatically when the primary one is down."""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.httpx_client import OAuth2Client
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from scholarlink.core.breakers import CircuitOpen, breaker
from scholarlink.core.db import session_scope
from scholarlink.core.errors import ServiceError, Unavailable
from scholarlink.core.settings import Settings, get_settings
from scholarlink.models import AuthIdentity, User

log = logging.getLogger(__name__)
SCOPE = "openid email profile offline_access"
DISCOVERY_TIMEOUT = 3.0
PENDING_TTL_SECONDS = 600
ID_TOKEN_ALGORITHMS = ["RS256", "PS256", "ES256", "EdDSA"]


class SignInRefused(ServiceError):
    status = 401
    code = "oidc_refused"


def enabled(settings: Settings | None = None) -> bool:
    settings = settings or get_settings()
    return bool(settings.oidc_issuer and settings.oidc_client_id and settings.oidc_client_secret)


@dataclass(frozen=True)
class Issuer:
    issuer: str
    metadata: dict[str, Any]


def _discover(issuer: str) -> Issuer:
    guard = breaker(f"oidc:{issuer}", failure_threshold=3, reset_after=30, public_name="oidc")

    def fetch() -> Any:
        response = httpx.get(
            f"{issuer.rstrip('/')}/.well-known/openid-configuration", timeout=DISCOVERY_TIMEOUT
        )
        response.raise_for_status()
        return response.json()

    # Any failure to fetch the document (network, HTTP status, not JSON) is an outage.
    metadata = guard.call(fetch)
    if metadata.get("issuer", "").rstrip("/") != issuer.rstrip("/"):
        raise ValueError("discovery document names another issuer")
    return Issuer(issuer=metadata["issuer"], metadata=metadata)


def discover(settings: Settings | None = None) -> Issuer:
    """The primary issuer, or the fallback one when the primary does not answer."""
    settings = settings or get_settings()
    candidates = [i for i in (settings.oidc_issuer, settings.oidc_fallback_issuer) if i]
    last: Exception | None = None
    for issuer in candidates:
        try:
            return _discover(issuer)
        except (httpx.HTTPError, ValueError, CircuitOpen) as exc:
            log.warning(
                "oidc issuer unavailable", extra={"issuer": issuer, "error": str(exc)[:200]}
            )
            last = exc
    raise Unavailable(
        "Scholar Auth is unavailable right now; try again or use your password."
    ) from last


def _client(settings: Settings, redirect_uri: str | None = None) -> OAuth2Client:
    assert settings.oidc_client_secret is not None
    return OAuth2Client(
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret.get_secret_value(),
        scope=SCOPE,
        redirect_uri=redirect_uri,
        code_challenge_method="S256",
        timeout=10,
    )


@dataclass(frozen=True)
class PendingLogin:
    issuer: str
    state: str
    nonce: str
    code_verifier: str
    redirect_uri: str
    next_path: str
    created: float

    def as_dict(self) -> dict[str, Any]:
        return dict(vars(self))


def begin(*, redirect_uri: str, next_path: str = "/dashboard") -> tuple[str, PendingLogin]:
    """The URL to send the browser to, and what must be kept (server-side) until it returns."""
    settings = get_settings()
    provider = discover(settings)
    pending = PendingLogin(
        issuer=provider.issuer,
        state=secrets.token_urlsafe(24),
        nonce=secrets.token_urlsafe(24),
        code_verifier=secrets.token_urlsafe(64),
        redirect_uri=redirect_uri,
        next_path=next_path,
        created=time.time(),
    )
    with _client(settings, redirect_uri) as client:
        url, _ = client.create_authorization_url(
            provider.metadata["authorization_endpoint"],
            state=pending.state,
            nonce=pending.nonce,
            code_verifier=pending.code_verifier,
            prompt="consent",
        )
    return url, pending


@dataclass(frozen=True)
class VerifiedIdentity:
    issuer: str
    subject: str
    email: str | None
    email_verified: bool
    name: str
    refresh_token: str | None


def complete(pending: dict[str, Any], params: dict[str, str]) -> VerifiedIdentity:
    """Check the callback against the pending login, exchange the code (with the PKCE verifier),
    verify the ID token, and read the user's e-mail and name."""
    settings = get_settings()
    if not pending or time.time() - float(pending.get("created", 0)) > PENDING_TTL_SECONDS:
        raise SignInRefused("The sign-in took too long or was not started here. Please try again.")
    if "error" in params:
        raise SignInRefused(f"Scholar Auth did not sign you in ({params.get('error')}).")
    if not hmac.compare_digest(str(params.get("state", "")), str(pending["state"])):
        raise SignInRefused("The sign-in response did not match this browser. Please try again.")
    if params.get("iss") and params["iss"].rstrip("/") != str(pending["issuer"]).rstrip("/"):
        raise SignInRefused("The sign-in response came from another issuer.")
    code = params.get("code")
    if not code:
        raise SignInRefused("The sign-in response had no authorization code.")
    provider = _discover(str(pending["issuer"]))
    try:
        with _client(settings, str(pending["redirect_uri"])) as client:
            token = client.fetch_token(
                provider.metadata["token_endpoint"],
                grant_type="authorization_code",
                code=code,
                code_verifier=pending["code_verifier"],
            )
            claims = _verify_id_token(
                provider,
                token.get("id_token"),
                nonce=str(pending["nonce"]),
                client_id=str(settings.oidc_client_id),
            )
            info = client.get(provider.metadata["userinfo_endpoint"]).json()
    except (httpx.HTTPError, AuthlibBaseError, ValueError, KeyError) as exc:
        raise SignInRefused(f"Scholar Auth refused the sign-in: {exc}"[:200]) from exc
    if info.get("sub") != claims["sub"]:
        raise SignInRefused("Scholar Auth returned a different user than it signed in.")
    return VerifiedIdentity(
        issuer=provider.issuer,
        subject=str(claims["sub"]),
        email=info.get("email"),
        email_verified=bool(info.get("email_verified")),
        name=str(info.get("name") or ""),
        refresh_token=token.get("refresh_token"),
    )


def _verify_id_token(
    provider: Issuer, id_token: str | None, *, nonce: str, client_id: str
) -> dict[str, Any]:
    if not id_token:
        raise ValueError("no ID token")
    keys = httpx.get(provider.metadata["jwks_uri"], timeout=DISCOVERY_TIMEOUT).json()
    try:
        token = jwt.decode(id_token, KeySet.import_key_set(keys), algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            leeway=30,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": client_id},
            nonce={"essential": True, "value": nonce},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        ).validate(token.claims)
    except JoseError as exc:
        raise ValueError(f"ID token rejected: {exc}") from exc
    return dict(token.claims)


def link(session: Session, identity: VerifiedIdentity) -> int:
    """The user this identity belongs to: known identity → its user; else the account with the
    same verified e-mail; else a new account. Each identity is linked to exactly one user."""
    row = session.exec(
        select(AuthIdentity).where(
            AuthIdentity.issuer == identity.issuer, AuthIdentity.subject == identity.subject
        )
    ).first()
    if row is not None:
        if identity.refresh_token:
            row.refresh_token = identity.refresh_token
            session.add(row)
        return row.user_id
    user = None
    email = (identity.email or "").strip().lower() or None
    if email and identity.email_verified:
        user = session.exec(select(User).where(User.email == email)).first()
    if user is None:
        taken = (
            email is not None
            and session.exec(select(User).where(User.email == email)).first() is not None
        )
        user = User(
            email=None if taken else email,
            display_name=identity.name[:120] or (email or "Student").split("@")[0],
        )
        session.add(user)
        session.flush()
    assert user.id is not None
    try:
        with session.begin_nested():
            session.add(
                AuthIdentity(
                    user_id=user.id,
                    issuer=identity.issuer,
                    subject=identity.subject,
                    email=email,
                    refresh_token=identity.refresh_token,
                )
            )
    except IntegrityError:
        existing = session.exec(
            select(AuthIdentity).where(
                AuthIdentity.issuer == identity.issuer, AuthIdentity.subject == identity.subject
            )
        ).one()
        return existing.user_id
    return user.id


def refresh(session: Session, identity_id: int) -> str:
    """Use the stored refresh token once and keep the rotated one the issuer returns."""
    row = session.get(AuthIdentity, identity_id)
    if row is None or not row.refresh_token:
        raise SignInRefused("No refresh token is stored for this identity.")
    settings = get_settings()
    provider = _discover(row.issuer)
    try:
        with _client(settings) as client:
            token = client.refresh_token(
                provider.metadata["token_endpoint"], refresh_token=row.refresh_token
            )
    except (httpx.HTTPError, AuthlibBaseError, ValueError) as exc:
        raise SignInRefused(f"Scholar Auth refused the refresh: {exc}"[:200]) from exc
    new = token.get("refresh_token")
    if not new:
        raise SignInRefused("Scholar Auth returned no refresh token.")
    row.refresh_token = new
    session.add(row)
    return str(token.get("access_token", ""))


def sign_in_ticket(identity: VerifiedIdentity, *, user_agent: str = "") -> str:
    """Link the verified identity to its user and issue the browser's sign-in ticket."""
    from scholarlink.services import auth

    with session_scope() as session:
        user_id = link(session, identity)
        return auth.issue_ticket(session, user_id=user_id, user_agent=user_agent)
