"""Throttling of what an attacker would repeat: wrong passwords, sign-ups, password checks.

Built on the `limits` library (moving windows; Redis-backed when configured, so every worker
counts the same attempts). Tiers give growing delays instead of a hard lockout: a few mistakes
cost a minute, a sustained attack an hour or a day. Counters are kept per client (the network
address) and per account, so one client cannot spray passwords across accounts, and an
attacker who knows an address slows down guesses at it without locking the owner out for
long (the owner's own client has its own, separate budget).
"""

from __future__ import annotations

import hashlib
import math
import time
from dataclasses import dataclass
from functools import lru_cache

from limits import RateLimitItem, parse_many
from limits.storage import Storage, storage_from_string
from limits.strategies import MovingWindowRateLimiter

from scholarlink.core.errors import ServiceError
from scholarlink.core.settings import get_settings


class Throttled(ServiceError):
    status = 429
    code = "throttled"

    def __init__(self, retry_after: int) -> None:
        wait = (
            f"{retry_after} seconds"
            if retry_after < 120
            else f"{math.ceil(retry_after / 60)} minutes"
        )
        super().__init__(f"Too many attempts. Try again in {wait}.")
        self.retry_after = retry_after


@dataclass(frozen=True)
class Policy:
    name: str
    tiers: tuple[RateLimitItem, ...]


# Failed sign-ins (counted for unknown addresses too, so the answer never tells whether an account
# exists): per client across all accounts (password spraying); per account from one client
# (guessing — the owner on their own device is not slowed down by it); and per account from
# everywhere, with a far higher budget (guessing spread over many clients).
# Per-client budgets allow a classroom behind one address (a school's NAT) to sign in and up.
SIGN_IN_CLIENT = Policy("sign-in:client", tuple(parse_many("30/minute;200/hour;1000/day")))
SIGN_IN_ACCOUNT_CLIENT = Policy("sign-in:account+client", tuple(parse_many("5/minute;20/hour")))
SIGN_IN_ACCOUNT = Policy("sign-in:account", tuple(parse_many("30/hour;100/day")))
# Account creation per client (every attempt counts).
SIGN_UP_CLIENT = Policy("sign-up:client", tuple(parse_many("30/minute;200/hour;500/day")))
# Sign-up mail to one address (confirmation or "you already have an account"), whoever asks.
SIGN_UP_ADDRESS = Policy("sign-up:address", tuple(parse_many("3/hour;10/day")))
# Re-authentication before something irreversible (deleting the account), per account.
PASSWORD_CHECK = Policy("password-check:account", tuple(parse_many("5/minute;20/hour")))


@lru_cache(maxsize=4)
def _storage(url: str) -> Storage:
    storage = storage_from_string(url)
    assert isinstance(storage, Storage)  # a synchronous backend (memory://, redis://)
    return storage


def _limiter_now() -> MovingWindowRateLimiter:
    return MovingWindowRateLimiter(_storage(get_settings().rate_limit_storage))


def reset_limiters() -> None:
    """Forget every counter (tests start each case with a clean slate)."""
    _storage(get_settings().rate_limit_storage).reset()


def _key(value: str) -> str:
    # Keys hold no personal data: an address or e-mail is hashed before it reaches storage.
    return hashlib.sha256(value.strip().lower().encode()).hexdigest()[:32]


def check(policy: Policy, subject: str) -> None:
    """Raise Throttled if `subject` has used up any tier of `policy` (does not count)."""
    limiter = _limiter_now()
    key = _key(subject)
    wait = 0
    for item in policy.tiers:
        if not limiter.test(item, policy.name, key):
            reset_at, _ = limiter.get_window_stats(item, policy.name, key)
            wait = max(wait, math.ceil(reset_at - time.time()))
    if wait > 0:
        raise Throttled(max(1, wait))


def hit(policy: Policy, subject: str) -> None:
    """Count one attempt against every tier of `policy`."""
    limiter = _limiter_now()
    key = _key(subject)
    for item in policy.tiers:
        limiter.hit(item, policy.name, key)


def clear(policy: Policy, subject: str) -> None:
    """Forget `subject`'s attempts (a successful sign-in clears the account's failures)."""
    limiter = _limiter_now()
    key = _key(subject)
    for item in policy.tiers:
        limiter.clear(item, policy.name, key)
