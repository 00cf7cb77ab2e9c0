"""Local accounts: creation with password rules, and argon2 password hashing."""

from __future__ import annotations

import re

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlmodel import Session, func, select
from zxcvbn import zxcvbn

from scholarlink.core.errors import Conflict, ValidationFailed
from scholarlink.models import User

_hasher = PasswordHasher()
EMAIL_RE = re.compile(r"^[^@\s]{1,64}@[^@\s]+\.[^@\s]{2,}$")
PASSWORD_RULES = (
    "At least 10 characters",
    "At least one letter and one digit",
    "Not the same as your e-mail address",
    "Not a common or easily guessed password",
)
# zxcvbn (Dropbox's strength estimator, with its frequency lists of common passwords, names and
# words built in) scores 0–4; 3 means "safely unguessable" against an online attack.
MIN_STRENGTH = 3


def password_problems(password: str, email: str = "") -> list[str]:
    """Which of PASSWORD_RULES the password breaks (shown before submit and enforced after)."""
    problems = []
    if len(password) < 10:
        problems.append(PASSWORD_RULES[0])
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        problems.append(PASSWORD_RULES[1])
    if email and password.strip().lower() == email.strip().lower():
        problems.append(PASSWORD_RULES[2])
    if len(password) > 256:
        problems.append("At most 256 characters")
    elif password and _strength(password, email) < MIN_STRENGTH:
        problems.append(PASSWORD_RULES[3])
    return problems


def _strength(password: str, email: str) -> int:
    hints = [email.lower(), *(p for p in re.split(r"[@.+_-]", email.lower()) if len(p) > 2)]
    return int(zxcvbn(password[:100], user_inputs=hints)["score"])


def normalise_email(email: str) -> str:
    email = email.strip().lower()
    if not EMAIL_RE.match(email) or len(email) > 320:
        raise ValidationFailed("Enter a valid e-mail address", details=[{"field": "email"}])
    return email


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    # Without a hash, check against a dummy one so unknown accounts take as long as known ones.
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


_DUMMY_HASH = _hasher.hash("dummy-password-for-timing")


def create_user(session: Session, *, email: str, password: str, display_name: str = "") -> User:
    email = normalise_email(email)
    problems = password_problems(password, email)
    if problems:
        raise ValidationFailed(
            "Password does not meet the rules: " + "; ".join(problems),
            details=[{"field": "password", "message": p} for p in problems],
        )
    exists = session.exec(select(func.count()).select_from(User).where(User.email == email)).one()
    if exists:
        raise Conflict("An account with this e-mail already exists")
    user = User(
        email=email,
        display_name=display_name.strip()[:120] or email.split("@")[0],
        password_hash=hash_password(password),
    )
    session.add(user)
    session.flush()
    return user
