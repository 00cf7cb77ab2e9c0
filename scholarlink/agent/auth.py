"""JWTs between ScholarLink and the Command Center (HS256 only, both directions).

Inbound tokens: iss=auto-com-center, aud=AGENT_ID, exp and iat required, 30 s tolerance, `jti`
single-use until it could no longer verify, the previous secret accepted during rotation. Every
failure is the same `AuthError`, answered with one generic 401.
"""

from __future__ import annotations

import hmac
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
import sqlalchemy as sa
from sqlmodel import Session, col, delete

from scholarlink.core.clock import Throttle, utcnow
from scholarlink.core.db import insert_unless_present
from scholarlink.core.settings import Settings
from scholarlink.models import UsedJti

COMMAND_CENTER_ISSUER = "auto-com-center"
LEEWAY_SECONDS = 30
ALGORITHMS = ["HS256"]  # fixed here, never read from a token
OUTBOUND_TTL_SECONDS = 300
MAX_INBOUND_LIFETIME_SECONDS = 300  # exp − iat: a token is not a standing credential
# Set on the verified claims after decoding (a claim of the same name in the token is replaced):
# who the caller is, from what verified the token — never from a claim the caller picks.
CALLER_CLAIM = "_scholarlink_caller"


class AuthError(Exception):
    """Any reason a token is refused. The reason is logged, never returned to the caller."""


def bearer_token(authorization: str | None) -> str:
    if not authorization:
        raise AuthError("no Authorization header")
    scheme, _, token = authorization.partition(" ")
    if not hmac.compare_digest(scheme.lower().encode(), b"bearer") or not token.strip():
        raise AuthError("not a Bearer token")
    return token.strip()


def _secrets(settings: Settings) -> list[tuple[str, bytes]]:
    keys = []
    for slot, secret in (
        ("current", settings.shared_secret),
        ("previous", settings.shared_secret_previous),
    ):
        if secret is not None:
            keys.append((slot, secret.get_secret_value().encode()))
    return keys


def decode_inbound(token: str, settings: Settings) -> dict[str, Any]:
    """Verify signature and claims with the current secret, then the previous one."""
    keys = _secrets(settings)
    if not keys:
        raise AuthError("bridge disabled: no SHARED_SECRET")
    try:
        header = jwt.get_unverified_header(token)
    except jwt.PyJWTError as exc:
        raise AuthError(f"malformed token: {exc}") from None
    if header.get("alg") != "HS256":
        raise AuthError(f"algorithm {header.get('alg')!r} refused")
    last: Exception | None = None
    for slot, key in keys:
        try:
            claims: dict[str, Any] = jwt.decode(
                token,
                key,
                algorithms=ALGORITHMS,
                audience=settings.agent_id,
                issuer=COMMAND_CENTER_ISSUER,
                leeway=LEEWAY_SECONDS,
                options={"require": ["exp", "iat", "iss", "aud"], "verify_iat": True},
            )
        except jwt.InvalidSignatureError as exc:
            last = exc  # try the previous secret
            continue
        except jwt.PyJWTError as exc:
            raise AuthError(f"invalid claims: {exc}") from None
        claims[CALLER_CLAIM] = f"{claims['iss']}@{slot}-secret"
        return claims
    raise AuthError(f"bad signature: {last}")


def check_issued_at(claims: dict[str, Any]) -> None:
    """PyJWT checks `iat` only for type; a token from the future is refused here, and so is one
    whose lifetime (exp − iat) is over five minutes."""
    now = utcnow().timestamp()
    iat = claims.get("iat")
    if not isinstance(iat, int | float) or iat > now + LEEWAY_SECONDS:
        raise AuthError("iat in the future")
    exp = claims.get("exp")
    if not isinstance(exp, int | float) or exp - iat > MAX_INBOUND_LIFETIME_SECONDS:
        raise AuthError("token lifetime over 5 minutes")


def consume_jti(session: Session, claims: dict[str, Any], *, lock: str | None = None) -> None:
    """Record the token id; a second use raises AuthError. Expired ids are pruned as we go.

    `lock`: on PostgreSQL, a transaction-scoped advisory lock on that key is taken by the same
    statement (one round trip, not two); SQLite's write lock, taken at BEGIN, already
    serialises the transaction."""
    dialect = session.get_bind().dialect.name
    postgres = dialect == "postgresql"
    jti = claims.get("jti")
    if jti is None:
        if lock is not None and postgres:
            session.connection().execute(_LOCK, {"lock": lock})
        return
    if not isinstance(jti, str) or not 0 < len(jti) <= 200:
        raise AuthError("bad jti")
    now = utcnow()
    expires = datetime.fromtimestamp(float(claims["exp"]), UTC) + timedelta(seconds=LEEWAY_SECONDS)
    if _PRUNE.ready():
        session.exec(delete(UsedJti).where(col(UsedJti.expires_at) < now))
    # One statement (no savepoint around an insert that may fail): a row that is there already
    # is a replay. An expired id left unpruned a little longer changes nothing: its token no
    # longer verifies.
    values = {"jti": jti, "expires_at": expires}
    if lock is not None and postgres:
        added = session.connection().execute(_SPEND_AND_LOCK, {**values, "lock": lock}).scalar()
    else:
        insert = insert_unless_present(_USED, "jti", dialect)
        added = session.connection().execute(insert, values).scalar()
    if added is None:
        raise AuthError("jti replayed")


_USED: sa.Table = UsedJti.__table__  # type: ignore[attr-defined]
_LOCK = sa.select(sa.func.pg_advisory_xact_lock(sa.func.hashtext(sa.bindparam("lock"))))
# The id inserted unless present (a data-modifying CTE runs once, whatever reads it) and the
# lock taken, in one statement: the spent id comes back, or NULL when it was there already.
_spent = (
    insert_unless_present(_USED, "jti", "postgresql")
    .values(jti=sa.bindparam("jti"), expires_at=sa.bindparam("expires_at"))
    .cte("spent")
)
_SPEND_AND_LOCK = sa.select(sa.select(_spent.c.jti).scalar_subquery(), _LOCK.selected_columns[0])


# Expired token ids are deleted every 30 s per process, not on every request.
_PRUNE = Throttle(30.0)


def verify_claims(authorization: str | None, settings: Settings) -> dict[str, Any]:
    """A bearer token's verified claims (signature, claims, issued-at), without the database:
    its `jti` is not spent (see `consume_jti`)."""
    claims = decode_inbound(bearer_token(authorization), settings)
    check_issued_at(claims)
    return claims


def verify_inbound(
    session: Session, authorization: str | None, settings: Settings
) -> dict[str, Any]:
    claims = verify_claims(authorization, settings)
    consume_jti(session, claims)
    return claims


def caller_of(claims: dict[str, Any]) -> str:
    """Who the rate limit counts against: what verified the token (issuer and which secret), set
    by `decode_inbound`. Never `sub` or another claim: a caller could pick a new one per token."""
    return str(claims[CALLER_CLAIM])[:200]


def sign_outbound(settings: Settings, *, audience: str = COMMAND_CENTER_ISSUER) -> str:
    assert settings.shared_secret is not None
    now = utcnow()
    claims = {
        "iss": settings.agent_id,
        "aud": audience,
        "iat": int(now.timestamp()),
        "exp": int((now + timedelta(seconds=OUTBOUND_TTL_SECONDS)).timestamp()),
        "jti": str(uuid.uuid4()),
    }
    return jwt.encode(claims, settings.shared_secret.get_secret_value(), algorithm="HS256")
